"""``cogov animate``: the network and the main outcomes over a run as a GIF (or MP4 when ffmpeg
is installed), for slides, in Chinese or English: 1920 x 1080 frames titled with the scenario's
display name, drawn once by :class:`cogov_sim.present.viz.SlideView` and updated in place."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from matplotlib.animation import FFMpegWriter, PillowWriter

from cogov_sim.errors import CoGovInputError
from cogov_sim.model.model import CoGovModel
from cogov_sim.model.scenario import Scenario
from cogov_sim.present.viz import SlideView, layout


def animate(scenario: Scenario, out: Path, *, lang: str = "zh", every: int = 4, colour_by: str = "trust",
            fps: int = 6, progress: bool = False) -> Path:
    """Run the scenario and write one frame every ``every`` weeks (and the last week) to ``out``
    (written to a temporary name first, so a failed run leaves nothing)."""
    if every < 1:
        raise CoGovInputError(f"{every}; allowed: an integer from 1", key="--every")
    mp4 = out.suffix.lower() == ".mp4"
    if mp4 and shutil.which("ffmpeg") is None:
        raise CoGovInputError("MP4 needs ffmpeg, which is not installed; allowed: .gif, or install ffmpeg",
                              source=str(out), key="--out")
    model = CoGovModel(scenario)
    lay = layout(model)
    steps = scenario.run.steps
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.partial{out.suffix}")
    view = SlideView(model, lay, lang=lang, colour_by=colour_by, horizon=steps,
                     title=scenario.scenario.display(lang))
    fig = view.fig
    writer = FFMpegWriter(fps=fps) if mp4 else PillowWriter(fps=fps)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=steps, unit="week", desc=f"animate {scenario.name}", file=sys.stderr, leave=False)
    try:
        with writer.saving(fig, str(tmp), SlideView.DPI):
            for week in range(1, steps + 1):
                model.step()
                if bar is not None:
                    bar.update(1)
                if week % every == 0 or week == steps:
                    view.update(model)
                    writer.grab_frame()
        tmp.rename(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        fig.clear()
        if bar is not None:
            bar.close()
    return out
