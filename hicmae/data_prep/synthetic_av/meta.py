"""The content of ``meta.json``: parameters, cues, design notes, counts."""
from typing import Dict, List, Sequence

from .cue_sets import DEFAULT_CUE_SET, CueSet
from .layout import SAMPLE_RATE, SPLITS


def _speaker_params(p: dict, size: int) -> dict:
    """An identity's main traits for ``meta.json`` (hair and glasses only
    for the looks that have them)."""
    params = dict(base_f0=round(p['f0'], 1),
                  skin_bgr=[round(v) for v in p['skin']],
                  face_width=round(p['face_w'] * size, 1),
                  eye_spacing=round(p['eye_sep'], 3))
    if 'hair' in p:
        params['hair'] = p['hair']['style']
        params['hair_bgr'] = [round(v) for v in p['hair']['colour']]
    if 'glasses' in p:
        params['glasses'] = p['glasses']
    return params


def build_meta(cues: CueSet, num_per_class: int, seed: int, size: int,
               fps: float, duration: float, n_frames: int,
               num_speakers: Sequence[int],
               spk_ids: Dict[str, List[int]], speakers: Dict[int, dict],
               records: Dict[str, List[dict]]) -> dict:
    """The ``meta.json`` dict for a finished run of the cue set ``cues``
    (key order is the file's order)."""
    classes, class_cues = cues.classes, cues.class_cues
    meta = dict(
        name=cues.dataset_name,
        description=cues.description,
        params=dict(num_per_class=num_per_class, seed=seed, size=size,
                    fps=fps, duration=duration, num_frames=n_frames,
                    sample_rate=SAMPLE_RATE,
                    num_samples=int(round(n_frames / fps * SAMPLE_RATE)),
                    num_speakers=[int(v) for v in num_speakers]),
        classes=list(classes),
        class_cues={name: dict(face=class_cues[name]['face'],
                               voice=class_cues[name]['voice'],
                               video=cues.face_text[
                                   class_cues[name]['face']],
                               audio=cues.voice_text[
                                   class_cues[name]['voice']])
                    for name in classes},
        face_groups={g: [c for c in classes if class_cues[c]['face'] == g]
                     for g in cues.faces},
        voice_groups={g: [c for c in classes
                          if class_cues[c]['voice'] == g]
                      for g in cues.voices},
        design=cues.design,
        files=dict(
            videos='videos/<split>/<clip>.mp4 (H.264 yuv420p, AAC mono '
                   '16 kHz)',
            frames='frames/<split>/<clip>/img_%05d.jpg (1-based)',
            audio='audio/<split>/<clip>.wav (16 kHz mono int16)',
            lists='lists/<split>.txt: <frame_folder> <wav> <label>; '
                  'lists/<split>_video.txt: <mp4> <mp4> <label>; '
                  'lists/pretrain.txt: train-split mp4s, unlabeled; '
                  'lists/<split>_faces.txt, lists/pretrain_faces.txt: the '
                  'same with faces/ folders and wavs',
            faces='faces/<split>/<clip>/img_%05d.jpg: 64 px face crops '
                  'of the frames, a square of 1.15 head widths cut around '
                  'the head position the generator drew (ground truth), '
                  'not found by a face detector; tools/data/crop_faces.py '
                  'makes the crops of a real video',
        ),
        counts={split: dict(total=len(records[split]),
                            per_class={name: sum(r['label'] == label
                                                 for r in records[split])
                                       for label, name in
                                       enumerate(classes)})
                for split in SPLITS},
        speakers={split: [f's{i:02d}' for i in spk_ids[split]]
                  for split in SPLITS},
        speaker_params={f's{i:02d}': _speaker_params(p, size)
                        for i, p in speakers.items()},
    )
    if cues.name != DEFAULT_CUE_SET:
        # only for the later sets: keeps the first set's meta.json as it was
        meta['cue_set'] = cues.name
    return meta
