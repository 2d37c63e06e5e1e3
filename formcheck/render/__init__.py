"""Evidence from a finished analysis: the annotated video, key frames, charts, the report and the output folder.

    theme        colours and plain words shared by video, charts and report
    draw         text, panels, lines (drawing primitives) and Style
    timeline     per-frame overlay state, precomputed (OverlayTimeline, FrameState)
    annotators   the overlay parts (skeleton, trunk line, shrug gauge, HUD, fault banners, view badge)
    video        the annotated MP4 and key frames
    live_overlay the same look on live frames
    charts       Altair charts (app) and their SVG (report)
    report       the self-contained report.html
    outputs      everything for one analysis, written into a folder
"""
