"""The web side's commands, registered into `kfflow` through the entry-point group `kfflow.commands`
(see pyproject.toml), so that the core's command line imports no Flask."""
from __future__ import annotations

import click

from kfflow.cli import Context, fail, pass_ctx


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="Antal arbetsprocesser (standard: 2 × kärnor + 1)")
@pass_ctx
def serve(ctx: Context, host, port, workers):
    """Starta webbservern (gunicorn)."""
    from kfflow.production import ProductionConfigError, check_production
    from webui.server import run_server

    try:
        check_production(ctx.settings, ctx.db)  # also validates the workflows and the settings before forking
    except ProductionConfigError as exc:
        fail(f"kfflow serve: refusing to start, {len(exc.problems)} problem(s) with KFFLOW_ENV=production "
             "(logged above).", 1)
    finally:
        ctx.db.dispose()  # the workers open their own connections
    run_server(ctx.settings, host=host, port=port, workers=workers)
