"""The lägesbild over the API: the live numbers (same as the page /lagesbild), and frozen lägesbilder."""
from __future__ import annotations

from kfflow.services.lagesbild import lagesbild, parse_filter
from kfflow.services.lagesbild_snapshots import freeze_lagesbild, list_snapshots, read_snapshot
from webui.api import schemas as s
from webui.api.framework import Answer, operation
from webui.db import get_session

TAG = "Lägesbild"


def snapshot_detail(snapshot_id: int):
    frozen = read_snapshot(get_session(), snapshot_id)
    return s.With(frozen.snapshot, lagesbild=frozen.view, trend=frozen.trend)


@operation("/lagesbild", "GET", summary="Lägesbild", tag=TAG, query=s.LagesbildQuerySchema(),
           response=s.LagesbildSchema())
def get_lagesbild(user, args):
    """Antal åtgärder per läge (också per kategori, arbetsgrupp och strategiskt område), status för pågående
    åtgärder (i fas, risk, försenad) och vad som hänt sedan styrgruppens senaste möte, enligt reglerna i
    workflows/lagesbild.yaml; samma siffror som sidan /lagesbild. Ogiltigt `as_of` eller `working_group` ger 422."""
    scope = parse_filter(args)
    return lagesbild(get_session(), as_of=scope.as_of, working_group=scope.working_group)


@operation("/lagesbild/snapshots", "GET", summary="Frysta lägesbilder", tag=TAG, response=s.SnapshotPageSchema())
def get_snapshots(user):
    """Frysta lägesbilder, nyast först: de som styrgruppsmötena frös (svepet) och de som någon frös."""
    return {"items": list_snapshots(get_session())}


@operation("/lagesbild/snapshots", "POST", summary="Frys lägesbild", tag=TAG, status=201,
           body=s.FreezeRequestSchema(), response=s.SnapshotDetailSchema(), errors=(403,), headers=("Location",))
def post_snapshot(user, data):
    """Frys dagens lägesbild (åtgärden `freeze_lagesbild` i measure.yaml säger vem som får)."""
    snapshot = freeze_lagesbild(get_session(), user, working_group=data.get("working_group"))
    return Answer(snapshot_detail(snapshot.id), {"Location": f"/api/v1/lagesbild/snapshots/{snapshot.id}"})


@operation("/lagesbild/snapshots/<int:snapshot_id>", "GET", summary="Läs en frusen lägesbild", tag=TAG,
           response=s.SnapshotDetailSchema())
def get_snapshot(user, snapshot_id):
    """Siffrorna som de frystes, och ändringen sedan den förra frysta lägesbilden med samma urval."""
    return snapshot_detail(snapshot_id)
