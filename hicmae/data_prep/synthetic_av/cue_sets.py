"""The selectable cue sets: classes, cue groups, look and design notes.

A :class:`CueSet` bundles everything that differs between the generated
sets; the writers (:mod:`.clip`, :mod:`.meta`, :mod:`.builder`) read only
from it. :func:`get_cue_set` looks one up by name.
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, Tuple

from .classes import CLASS_CUES, CLASSES, FACE_TEXT, FACES, VOICE_TEXT, VOICES
from .face import CARTOON_LOOK, ROUND_LOOK
from .speakers import sample_round_speaker, sample_speaker
from .valence_arousal import (VA_CLASS_CUES, VA_CLASSES, VA_DESIGN,
                              VA_FACE_TEXT, VA_FACES, VA_VOICE_TEXT, VA_VOICES)

DEFAULT_CUE_SET = 'emotions6'


@dataclass(frozen=True)
class CueSet:
    """One generated set's definition.

    ``class_cues`` maps each class to its ``face`` and ``voice`` group
    (keys of ``faces`` / ``voices``); ``look`` holds the clip-level render
    options of :func:`~.face.render_frames`; ``sample_speaker`` gives an
    identity's traits from ``(seed, speaker_id)``; ``rng_salt`` is appended
    to each clip's seed so that two sets never share random streams.
    """
    name: str
    dataset_name: str
    default_dir: str
    description: str
    classes: Tuple[str, ...]
    faces: Dict[str, dict]
    voices: Dict[str, dict]
    class_cues: Dict[str, Dict[str, str]]
    face_text: Dict[str, str]
    voice_text: Dict[str, str]
    design: dict
    look: dict
    sample_speaker: Callable[[int, int], dict]
    rng_salt: Tuple[int, ...] = field(default=())

    def face_of(self, class_name: str) -> dict:
        return self.faces[self.class_cues[class_name]['face']]

    def voice_of(self, class_name: str) -> dict:
        return self.voices[self.class_cues[class_name]['voice']]


EMOTIONS6 = CueSet(
    name='emotions6',
    dataset_name='synthetic_av',
    default_dir='data/synthetic',
    description='Talking cartoon faces with emotion-like cues split '
                'between face and voice; several class pairs are '
                'separable in one modality only, so both are needed.',
    classes=CLASSES, faces=FACES, voices=VOICES, class_cues=CLASS_CUES,
    face_text=FACE_TEXT, voice_text=VOICE_TEXT,
    design=dict(
        video_only_confusions=[['sad', 'angry'], ['surprised', 'fearful']],
        audio_only_confusions=[['neutral', 'sad'], ['happy', 'surprised']],
        max_unimodal_accuracy=4 / 6,
        shared_timing='syllable timing (rate, pauses) is random per '
                      'clip and class independent; the mouth opening '
                      'follows the syllable envelope (A/V aligned)',
        nuisance=dict(
            identity='head size/aspect, skin colour, eye spacing and '
                     'height, mouth height, base f0 95-210 Hz, '
                     'formants',
            clip='background colour/gradient, shirt colour, head '
                 'position/scale jitter, head sway and roll, blinks, '
                 'pixel noise, speaking rate, loudness, noise level'),
    ),
    look=CARTOON_LOOK,
    sample_speaker=sample_speaker,
)

VALENCE_AROUSAL4 = CueSet(
    name='valence_arousal4',
    dataset_name='synthetic_va',
    default_dir='data/synthetic_va',
    description='Talking round-headed faces (hair, some with glasses): '
                'valence (smile / frown) only in the face, arousal '
                '(low / high) only in the voice; each modality alone '
                'separates half of the classes, both are needed.',
    classes=VA_CLASSES, faces=VA_FACES, voices=VA_VOICES,
    class_cues=VA_CLASS_CUES, face_text=VA_FACE_TEXT,
    voice_text=VA_VOICE_TEXT, design=VA_DESIGN,
    look=ROUND_LOOK,
    sample_speaker=sample_round_speaker,
    rng_salt=(4,),
)

CUE_SETS: Dict[str, CueSet] = {c.name: c for c in (EMOTIONS6,
                                                   VALENCE_AROUSAL4)}


def get_cue_set(name: str) -> CueSet:
    """The cue set called ``name``; a ValueError lists the choices."""
    if not isinstance(name, str) or name not in CUE_SETS:
        raise ValueError(f'unknown cue_set {name!r}; choose one of: '
                         f"{', '.join(CUE_SETS)}")
    return CUE_SETS[name]
