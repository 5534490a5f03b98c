"""gunicorn's settings for this app: gunicorn reads ./gunicorn.conf.py from the directory it starts in, so the README's
production command and benchmarks/load/run.sh both use it. Command-line options (-w, -b ...) still win."""

import gc


def post_worker_init(worker):
    """The worker has loaded the app: its modules, classes, mappers and templates live as long as the process. Move
    them out of the cyclic garbage collector's generations (gc.freeze), so that its full collections stop walking them
    again and again while requests run: the stress dispatch export spent about a third of its CPU there."""
    gc.freeze()
    worker.log.info("gc.freeze(): %d objects of the loaded app frozen", gc.get_freeze_count())
