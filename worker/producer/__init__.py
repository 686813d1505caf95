"""The producer: read articles from what users have and put them on the queue.

:mod:`.readers` turns files, JSONL lines and stdin into submissions; :mod:`.client` validates
them, skips duplicates and sends the task by name. Nothing here imports torch, so any service
can enqueue.
"""
