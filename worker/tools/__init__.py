"""Tools around the service: the demo, `process` (the pipeline without a broker), `eval`,
`train-topics`, a private Redis server and a worker run as a child process.
"""
