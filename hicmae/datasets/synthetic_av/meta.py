"""The content of ``meta.json``: parameters, cues, design notes, counts."""
from typing import Dict, List, Sequence

from .classes import CLASS_CUES, CLASSES, FACE_TEXT, FACES, VOICE_TEXT, VOICES
from .layout import SAMPLE_RATE, SPLITS


def build_meta(num_per_class: int, seed: int, size: int, fps: float,
               duration: float, n_frames: int,
               num_speakers: Sequence[int],
               spk_ids: Dict[str, List[int]], speakers: Dict[int, dict],
               records: Dict[str, List[dict]]) -> dict:
    """The ``meta.json`` dict for a finished run (key order is the file's
    order)."""
    meta = dict(
        name='synthetic_av',
        description='Talking cartoon faces with emotion-like cues split '
                    'between face and voice; several class pairs are '
                    'separable in one modality only, so both are needed.',
        params=dict(num_per_class=num_per_class, seed=seed, size=size,
                    fps=fps, duration=duration, num_frames=n_frames,
                    sample_rate=SAMPLE_RATE,
                    num_samples=int(round(n_frames / fps * SAMPLE_RATE)),
                    num_speakers=[int(v) for v in num_speakers]),
        classes=list(CLASSES),
        class_cues={name: dict(face=CLASS_CUES[name]['face'],
                               voice=CLASS_CUES[name]['voice'],
                               video=FACE_TEXT[CLASS_CUES[name]['face']],
                               audio=VOICE_TEXT[CLASS_CUES[name]['voice']])
                    for name in CLASSES},
        face_groups={g: [c for c in CLASSES if CLASS_CUES[c]['face'] == g]
                     for g in FACES},
        voice_groups={g: [c for c in CLASSES if CLASS_CUES[c]['voice'] == g]
                      for g in VOICES},
        design=dict(
            video_only_confusions=[['sad', 'angry'],
                                   ['surprised', 'fearful']],
            audio_only_confusions=[['neutral', 'sad'],
                                   ['happy', 'surprised']],
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
        files=dict(
            videos='videos/<split>/<clip>.mp4 (H.264 yuv420p, AAC mono '
                   '16 kHz)',
            frames='frames/<split>/<clip>/img_%05d.jpg (1-based)',
            audio='audio/<split>/<clip>.wav (16 kHz mono int16)',
            lists='lists/<split>.txt: <frame_folder> <wav> <label>; '
                  'lists/<split>_video.txt: <mp4> <mp4> <label>; '
                  'lists/pretrain.txt: train-split mp4s, unlabeled',
        ),
        counts={split: dict(total=len(records[split]),
                            per_class={name: sum(r['label'] == label
                                                 for r in records[split])
                                       for label, name in
                                       enumerate(CLASSES)})
                for split in SPLITS},
        speakers={split: [f's{i:02d}' for i in spk_ids[split]]
                  for split in SPLITS},
        speaker_params={f's{i:02d}': dict(
            base_f0=round(p['f0'], 1),
            skin_bgr=[round(v) for v in p['skin']],
            face_width=round(p['face_w'] * size, 1),
            eye_spacing=round(p['eye_sep'], 3))
            for i, p in speakers.items()},
    )
    return meta
