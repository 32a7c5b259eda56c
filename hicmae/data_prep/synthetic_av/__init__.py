"""A small synthetic audio-visual emotion dataset that needs both modalities.

:func:`make_synthetic_av` writes talking cartoon faces (H.264 mp4 with an
AAC track, JPEG frame folders and 16 kHz wav files) plus annotation lists in
the authors' formats, so that the whole fine-tuning / pre-training pipeline
can be exercised end to end without downloading a corpus. It needs only
numpy, scipy, OpenCV and PyAV; it does not import the rest of ``hicmae``.

Two cue sets can be generated (``cue_set=``, ``--cue-set``; see
:mod:`.cue_sets`): ``emotions6``, the default, described below, and
``valence_arousal4`` (:mod:`.valence_arousal`): 4 classes *content*,
*elated*, *sad*, *angry* = face valence (smile / frown, in the mouth only)
x voice arousal (low / high, in the voice only), so one modality alone
reaches at most 1/2; drawn in another look (round heads, hair, glasses on
every other identity, dot eyes, a darker background palette, other skin
tones; :mod:`.round_look`) and written by default to
``data/synthetic_va``.

``emotions6``: six classes, built from two independent cue groups (see
:data:`FACES`, :data:`VOICES` and :data:`CLASS_CUES`)::

    class       face (video)                       voice (audio)
    neutral     relaxed: flat mouth, level brows    calm
    happy       smile: corners up, squint, nod      bright
    sad         frown: corners down, knit brows     calm
    angry       frown                               harsh
    surprised   raised: high brows, wide eyes, O    bright
    fearful     raised                              tremor

* ``calm``: speaker's own pitch, gently falling contour, dark timbre, soft.
* ``bright``: +4 semitones, rising contour (+7 st over the utterance),
  brighter harmonics, medium loud.
* ``harsh``: +2 semitones, steeply falling (-7 st), flat (bright) spectrum,
  irregular pitch (jitter), loud.
* ``tremor``: +6 semitones, flat contour with a 7 Hz vibrato of +-1.5 st,
  breathy (aspiration noise), soft.

So *sad* and *angry* share the face and differ only in the voice, *happy*
and *surprised* share the voice and differ only in the face, *neutral* vs
*sad* differ only in the face and *surprised* vs *fearful* only in the
voice. Faces form 4 groups and voices 4 groups: a video-only or audio-only
classifier can reach at most 4/6 accuracy, while face + voice identify every
class.

Cues that both modalities can observe carry no class information: the
syllable timing (speaking rate, pauses) is drawn per clip independently of
the class, and the mouth opens with the syllable envelope, so audio and video
stay temporally aligned without leaking the voice class into the video (or
the face class into the audio).

Nuisance variation: identities ("speakers", disjoint between train / val /
test) differ in head size and aspect, skin colour, eye spacing and height,
mouth position, base pitch (95-210 Hz) and vocal-tract resonances; every clip
adds its own background colour / gradient, shirt colour, head position and
scale jitter, small random head sway and roll, blinks, pixel noise, speaking
rate, loudness and background noise level.

Layout written under ``out_dir`` (paths in the lists are relative to
``out_dir``)::

    videos/<split>/<clip>.mp4            H.264 yuv420p + AAC mono 16 kHz
    frames/<split>/<clip>/img_00001.jpg  the same frames, 1-based
    audio/<split>/<clip>.wav             the same audio, 16 kHz int16 mono
    lists/{train,val,test}.txt           <frame_folder> <wav> <label>
    lists/{train,val,test}_video.txt     <mp4> <mp4> <label>
    lists/pretrain.txt                   <mp4> (train split, unlabeled)
    lists/{train,val,test}_faces.txt     <face_folder> <wav> <label>
    lists/pretrain_faces.txt             <face_folder> <wav> (train split)
    faces/<split>/<clip>/img_00001.jpg   64 px face crops of the frames,
                                         cut around the drawn head position
                                         (ground truth, no detector)
    lists/classes.txt                    class names in label order
    meta.json                            parameters, cues, counts

Clip ids read ``s<speaker>_c<label>_<index>``, e.g. ``s03_c2_0007`` is the
8th clip (index 7) of class 2 (*sad*), spoken by identity 3.

Modules, in dependency order:

* :mod:`.classes`: class names and their face / voice cue groups.
* :mod:`.layout`: splits, audio sample rate and where each file goes.
* :mod:`.valence_arousal`: the ``valence_arousal4`` classes and groups.
* :mod:`.speakers`: per-identity traits (:func:`sample_speaker`,
  :func:`sample_round_speaker`).
* :mod:`.voice`: syllable envelope and voice synthesis.
* :mod:`.drawing`, :mod:`.round_look`: drawing helpers; hair, glasses and
  dot eyes of the second look.
* :mod:`.face`: mouth opening per frame and cartoon frame rendering.
* :mod:`.cue_sets`: :class:`CueSet` and the registry of cue sets.
* :mod:`.media`: JPEG, wav and mp4 (H.264 + AAC) writers.
* :mod:`.clip`: one clip from a job description (:func:`make_clip`).
* :mod:`.meta`: the content of ``meta.json``.
* :mod:`.builder`: argument checks, output folder, speaker / split
  assignment, lists and :func:`make_synthetic_av`.
"""
from .builder import MIN_FRAMES, make_synthetic_av, validate_args
from .classes import CLASS_CUES, CLASSES, FACE_TEXT, FACES, VOICE_TEXT, VOICES
from .cue_sets import CUE_SETS, DEFAULT_CUE_SET, CueSet, get_cue_set
from .layout import SAMPLE_RATE, SPLITS

__all__ = [
    'CLASSES', 'CLASS_CUES', 'CUE_SETS', 'CueSet', 'DEFAULT_CUE_SET',
    'FACES', 'FACE_TEXT', 'MIN_FRAMES', 'SAMPLE_RATE', 'SPLITS', 'VOICES',
    'VOICE_TEXT', 'get_cue_set', 'make_synthetic_av', 'validate_args'
]
