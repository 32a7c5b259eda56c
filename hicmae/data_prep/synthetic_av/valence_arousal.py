"""The ``valence_arousal4`` cue set: face valence x voice arousal.

Four classes, each a (face group, voice group) pair::

    class      face (video): valence     voice (audio): arousal
    content    positive (smile)          low
    elated     positive (smile)          high
    sad        negative (frown)          low
    angry      negative (frown)          high

Valence is shown ONLY by the mouth (corners up and a wider mouth vs corners
down and a narrower one); brows, eyes, head pose and motion are identical
for both valence groups. Arousal is ONLY in the voice (pitch, loudness,
timbre, pitch irregularity). So a video-only or audio-only classifier can
reach at most 1/2 accuracy, while face + voice identify every class.

The speaking rate stays class independent (as in the first set): the mouth
follows the syllable envelope, so a rate cue in the voice would also show
in the video.

The smile / frown are about as strong in pixels as in the ``emotions6``
set: the heads here are rounder (smaller height), so the curve, in units of
the head's half-height, is a little larger.
"""
from typing import Dict

VA_CLASSES = ('content', 'elated', 'sad', 'angry')

# Same keys as ``classes.FACES``; everything but the mouth is shared.
_SHARED_FACE = dict(brow_inner=-0.2, brow_outer=-0.2, brow_arch=0.0,
                    eye_open=1.0, head_dy=0.0, nod=0.0)
VA_FACES: Dict[str, dict] = {
    'positive': dict(curve=0.18, rest_open=0.02, mouth_w=0.72,
                     **_SHARED_FACE),
    'negative': dict(curve=-0.16, rest_open=0.0, mouth_w=0.56,
                     **_SHARED_FACE),
}

# Same keys as ``classes.VOICES`` (the same synthesiser).
VA_VOICES: Dict[str, dict] = {
    'low': dict(offset=-2.0, contour=-3.0, vibrato=0.0, vibrato_hz=0.0,
                jitter=0.0, tilt=2.2, breath=0.08, gain=0.3),
    'high': dict(offset=5.0, contour=3.0, vibrato=0.0, vibrato_hz=0.0,
                 jitter=0.2, tilt=0.9, breath=0.03, gain=0.8),
}

VA_CLASS_CUES: Dict[str, Dict[str, str]] = {
    'content': dict(face='positive', voice='low'),
    'elated': dict(face='positive', voice='high'),
    'sad': dict(face='negative', voice='low'),
    'angry': dict(face='negative', voice='high'),
}

VA_FACE_TEXT = {
    'positive': 'smiling mouth (corners up, wide); brows, eyes and head '
                'pose as in the negative group',
    'negative': 'down-turned mouth (corners down, narrow); brows, eyes and '
                'head pose as in the positive group',
}
VA_VOICE_TEXT = {
    'low': "f0 2 st below the speaker's base, gently falling (-3 st), dark "
           'timbre (tilt 2.2), slightly breathy, soft',
    'high': 'f0 +5 st, rising (+3 st), bright timbre (tilt 0.9), slightly '
            'irregular pitch (jitter), loud',
}

VA_DESIGN = dict(
    video_only_confusions=[['content', 'elated'], ['sad', 'angry']],
    audio_only_confusions=[['content', 'sad'], ['elated', 'angry']],
    max_unimodal_accuracy=0.5,
    shared_timing='syllable timing (rate, pauses) is random per clip and '
                  'class independent; the mouth opening follows the '
                  'syllable envelope (A/V aligned)',
    face_look='round/wide heads, hair on top (4 styles, 6 colours), '
              'glasses on some identities, dot eyes, straight brows, a '
              'darker background palette; nothing of the emotions6 look',
    nuisance=dict(
        identity='head size/aspect, skin colour, hair style and colour, '
                 'glasses, eye spacing and height, mouth height, base f0 '
                 '95-210 Hz, formants',
        clip='background colour/gradient, shirt colour, head '
             'position/scale jitter, head sway and roll, blinks, pixel '
             'noise, speaking rate, loudness, noise level'),
)
