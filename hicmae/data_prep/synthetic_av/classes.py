"""Class names and the face / voice cue groups that define them.

Each class is a (face group, voice group) pair; the groups are chosen so
that neither modality alone separates all six classes (see the package
docstring).
"""
from typing import Dict

CLASSES = ('neutral', 'happy', 'sad', 'angry', 'surprised', 'fearful')

# Face (video) groups: geometry in face units (x in half-widths, y in
# half-heights of the head ellipse, y down; eye/brow heights relative to
# the identity's eye line).
FACES: Dict[str, dict] = {
    'relaxed': dict(curve=0.0, rest_open=0.0, mouth_w=0.62,
                    brow_inner=-0.22, brow_outer=-0.22, brow_arch=0.02,
                    eye_open=1.0, head_dy=0.0, nod=0.0),
    'smile': dict(curve=0.17, rest_open=0.02, mouth_w=0.76,
                  brow_inner=-0.25, brow_outer=-0.25, brow_arch=0.04,
                  eye_open=0.6, head_dy=0.0, nod=0.035),
    'frown': dict(curve=-0.15, rest_open=0.0, mouth_w=0.56,
                  brow_inner=-0.10, brow_outer=-0.26, brow_arch=0.0,
                  eye_open=0.85, head_dy=0.035, nod=0.0),
    'raised': dict(curve=0.0, rest_open=0.26, mouth_w=0.34,
                   brow_inner=-0.40, brow_outer=-0.36, brow_arch=0.07,
                   eye_open=1.5, head_dy=-0.03, nod=0.0),
}

# Voice (audio) groups: pitch offset above the speaker's base (semitones),
# contour (semitones from start to end of the utterance), vibrato depth /
# rate, pitch jitter (semitones, ~25 Hz band), spectral tilt (harmonic k
# has amplitude k**-tilt), breath noise and loudness.
VOICES: Dict[str, dict] = {
    'calm': dict(offset=0.0, contour=-2.0, vibrato=0.0, vibrato_hz=0.0,
                 jitter=0.0, tilt=2.0, breath=0.02, gain=0.35),
    'bright': dict(offset=4.0, contour=7.0, vibrato=0.0, vibrato_hz=0.0,
                   jitter=0.0, tilt=1.2, breath=0.02, gain=0.6),
    'harsh': dict(offset=2.0, contour=-7.0, vibrato=0.0, vibrato_hz=0.0,
                  jitter=0.35, tilt=0.6, breath=0.05, gain=0.8),
    'tremor': dict(offset=6.0, contour=0.0, vibrato=1.5, vibrato_hz=7.0,
                   jitter=0.0, tilt=1.6, breath=0.35, gain=0.4),
}

CLASS_CUES: Dict[str, Dict[str, str]] = {
    'neutral': dict(face='relaxed', voice='calm'),
    'happy': dict(face='smile', voice='bright'),
    'sad': dict(face='frown', voice='calm'),
    'angry': dict(face='frown', voice='harsh'),
    'surprised': dict(face='raised', voice='bright'),
    'fearful': dict(face='raised', voice='tremor'),
}

# Human-readable cue descriptions, written to meta.json.
FACE_TEXT = {
    'relaxed': 'flat mouth line, level brows, normal eyes, head still',
    'smile': 'smiling mouth (corners up, wide), squinting eyes, slightly '
             'raised level brows, gentle 1.3 Hz head nod',
    'frown': 'down-turned mouth (corners down, narrow), knitted brows '
             '(inner ends lowered), head slightly lowered',
    'raised': "open 'O' mouth (narrow, open at rest), brows raised high and "
              'arched, eyes wide open, head slightly lifted',
}
VOICE_TEXT = {
    'calm': "f0 at the speaker's base, gently falling (-2 st), dark timbre "
            '(tilt 2.0), soft',
    'bright': 'f0 +4 st, rising contour (+7 st over the utterance), brighter '
              'timbre (tilt 1.2), medium loud',
    'harsh': 'f0 +2 st, steeply falling (-7 st), flat harsh spectrum (tilt '
             '0.6), irregular pitch (jitter), loud',
    'tremor': 'f0 +6 st, flat contour with 7 Hz vibrato (+-1.5 st), breathy '
              '(aspiration noise), soft',
}
