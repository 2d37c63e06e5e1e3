"""The analysis: pure numpy/scipy, from landmarks to findings.

Imports only :mod:`formcheck.series` and :mod:`formcheck.config` from above it.

    filtering   visibility masking, bounded gap filling, zero-phase low-pass; One-Euro for live
    signals     named kinematic signals (unit, views that support them)
    detect      camera view and exercise
    reps        rep segmentation and tempo phases
    online      causal counterparts for live use
    assess      per-rep measurements and findings
"""
