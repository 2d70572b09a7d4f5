"""Key poses for the bar, shrug, wall-stretch, march and jump-rope tests.

Built on tests/synth.py (same segment lengths, same frame maker). Most of these
exercises are filmed from the front, so `front` mirrors one side's points about the body's
centre line: the person's right side (the "near" side for `synth.frames(facing="right")`)
lands at image-left, their left side (the `far_` keys) at image-right. Pass `far_dx=0` to
`synth.frames` so the far side is not shifted. Motions are sampled frame by frame
(`sampled`) rather than through `synth.timeline`, so periodic movements (2.5 Hz hops) keep
their exact shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import synth
from synth import FLOOR, FOREARM, SHIN, THIGH, TORSO, UPPER_ARM, Key

CX = 640.0
SHOULDER_OUT, HIP_OUT = 60.0, 35.0  # half the shoulder / hip width, pixels
HEAD_UP = 65.0  # nose height above the shoulders (synth.chain's 45 px is a small head)
BAR_Y = 100.0  # the bar; the wrists hang 5 px under it
Side = dict[str, tuple[float, float]]  # part -> (distance out from the centre line, y)


def front(near: Side, far: Side | None = None, cx: float = CX) -> Key:
    """A front-view key pose: `near` (the person's right side) mirrored to the left side
    unless `far` overrides some of its parts."""
    key: Key = {p: (cx - o, y) for p, (o, y) in near.items()}
    for p, (o, y) in (near | (far or {})).items():
        key[f"far_{p}"] = (cx + o, y)
    # to_pose puts the nose 18 px ahead of `head`; toes straight below the heels mean
    # "facing image-right", so shift the head back to keep the nose on the centre line.
    key["head"] = (cx - 18, near["shoulder"][1] - HEAD_UP)
    return key


def _legs(hip_y: float, knee_up: float = 0.0, feet_down: bool = False) -> Side:
    """One leg hanging or standing straight below a hip at `hip_y`; `knee_up` lifts the
    knee (thigh raised by that angle from vertical, the shin hanging vertically)."""
    knee_y = hip_y + THIGH * math.cos(math.radians(knee_up))
    ankle_y = knee_y + SHIN
    toe = 25.0 if feet_down else 12.0  # a hanging foot points down
    return {
        "hip": (HIP_OUT, hip_y),
        "knee": (HIP_OUT + 2, knee_y),
        "ankle": (HIP_OUT + 3, ankle_y),
        "heel": (HIP_OUT + 3, ankle_y + 6),
        "foot_index": (HIP_OUT + 3, ankle_y + toe),
    }


def stand_front(shrug: float = 0.0, arms: str = "down") -> Key:
    """Standing facing the camera. `shrug`: shoulders (and the arms hanging from them)
    raised by that many pixels. `arms`: "down" (along the body, dumbbells in the hands),
    "rope" (upper arms down, forearms out at hip height: holding rope handles) or "up"
    (straight overhead)."""
    sy = FLOOR - 12 - SHIN - THIGH - TORSO  # feet on the floor
    top = sy - shrug
    arm: Side
    if arms == "down":
        arm = {"elbow": (66.0, top + UPPER_ARM), "wrist": (68.0, top + UPPER_ARM + FOREARM)}
    elif arms == "rope":
        arm = {"elbow": (68.0, top + UPPER_ARM - 3), "wrist": (68.0 + 55, top + UPPER_ARM + 40)}
    else:
        arm = {"elbow": (64.0, top - UPPER_ARM), "wrist": (66.0, top - UPPER_ARM - FOREARM)}
    return front({"shoulder": (SHOULDER_OUT, top), **arm, **_legs(sy + TORSO)})


def _circles(
    a: tuple[float, float], ra: float, b: tuple[float, float], rb: float, out: float
) -> tuple[float, float]:
    """The intersection of two circles lying further towards x-direction `out` (+1/-1)."""
    d = math.dist(a, b)
    d = min(max(d, abs(ra - rb) + 1e-6), ra + rb - 1e-6)
    along = (ra * ra - rb * rb + d * d) / (2 * d)
    h = math.sqrt(max(0.0, ra * ra - along * along))
    ux, uy = (b[0] - a[0]) / d, (b[1] - a[1]) / d
    mx, my = a[0] + along * ux, a[1] + along * uy
    p1, p2 = (mx - h * uy, my + h * ux), (mx + h * uy, my - h * ux)
    return p1 if (p1[0] - p2[0]) * out > 0 else p2


def hang(elbow: float, grip_out: float = 112.0) -> Key:
    """Hanging from a bar at BAR_Y, seen from the front, with both elbows at `elbow`
    degrees (180 = straight arms, ~45 = chin over the bar); the hands stay on the bar and
    the body hangs vertically below the shoulders, feet off the floor.

    The grip is wide (each hand ~0.35 torso lengths outside its shoulder), as on the real
    clips: the wrists then sit 0.9 torso lengths above the shoulders hanging and ~0.1 at the
    top (pull_up_front_a: 0.8-0.85 and 0.07-0.13). A narrow grip left the top at 0.35, a
    picture of a pull-up that stops a hand's width short, which real ones do not."""
    reach = math.sqrt(
        UPPER_ARM**2 + FOREARM**2 - 2 * UPPER_ARM * FOREARM * math.cos(math.radians(elbow))
    )
    wrist = (grip_out, BAR_Y + 5)
    sy = wrist[1] + math.sqrt(max(1.0, reach**2 - (grip_out - SHOULDER_OUT) ** 2))
    el = _circles((SHOULDER_OUT, sy), UPPER_ARM, wrist, FOREARM, out=1.0)
    return front(
        {"shoulder": (SHOULDER_OUT, sy), "elbow": el, "wrist": wrist}
        | _legs(sy + TORSO, feet_down=True)
    )


def nose_above_wrist(elbow: float) -> float:
    """How far (torso lengths) the nose is above the wrists in `hang(elbow)`."""
    key = hang(elbow)
    return (key["wrist"][1] - (key["head"][1] + 2)) / TORSO


def march(right_knee: float, left_knee: float) -> Key:
    """Marching in place, facing the camera: each thigh raised by its angle (0 = standing
    leg); the lower foot stays on the floor."""
    sy = 200.0
    key = front(
        {"shoulder": (SHOULDER_OUT, sy), "elbow": (66.0, sy + 75), "wrist": (68.0, sy + 145)}
        | _legs(sy + TORSO, right_knee),
        _legs(sy + TORSO, left_knee),
    )
    return synth.on_floor(key)


def hop(lift: float, dip: float = 0.0) -> Key:
    """Rope jumping, facing the camera: the whole body `lift` px off the floor; `dip` =
    knees bending on landing (hips and above lowered, feet stay)."""
    key = stand_front(arms="rope")
    out: Key = {}
    for name, (x, y) in key.items():
        part = name.removeprefix("far_")
        drop = 0.0 if part in ("ankle", "heel", "foot_index") else dip
        drop = dip / 2 if part == "knee" else drop
        out[name] = (x, y - lift + drop)
    return out


# The wall of the wall stretch, where the hands rest: 55 px (~18 cm) beyond the toes, not
# the article's 30 cm, because the skeleton's arms are short (0.97 torso, ~1.2 in people):
# standing upright it still puts the hands ~45 deg up the wall, as 30 cm does for a person.
WALL_X = 600.0


def wall_stretch(lean: float = 15.0, elbow: float = 178.0, knee: float = 178.0) -> Key:
    """Side view, facing image-right, hands on the wall at WALL_X: the body leans `lean`
    degrees from vertical towards it, pivoting at the ankles (0 = the upright start, arms
    reaching forward-up to the wall; 15 = chest near the wall, arms overhead); elbows at
    `elbow` and knees at `knee` degrees. The feet stay put."""
    ankle = (500.0, FLOOR - 12)
    up = 90.0 - lean
    bend = 180.0 - knee
    knee_pt = synth.polar(ankle, SHIN, up + bend / 2)
    hip = synth.polar(knee_pt, THIGH, up - bend / 2)
    shoulder = synth.polar(hip, TORSO, up)
    reach = math.sqrt(
        UPPER_ARM**2 + FOREARM**2 - 2 * UPPER_ARM * FOREARM * math.cos(math.radians(elbow))
    )
    dx = WALL_X - shoulder[0]
    wrist = (WALL_X, shoulder[1] - math.sqrt(max(1.0, reach**2 - dx**2)))
    elbow_pt = _circles(shoulder, UPPER_ARM, wrist, FOREARM, out=-1.0)  # bends away from the wall
    key: Key = {
        "shoulder": shoulder,
        "elbow": elbow_pt,
        "wrist": wrist,
        "hip": hip,
        "knee": knee_pt,
        "ankle": ankle,
        "heel": (ankle[0] - 15, FLOOR - 2),
        "foot_index": (ankle[0] + 45, FLOOR),
        "head": synth.polar(shoulder, 45, up - 10),
    }
    for part in ("knee", "ankle", "heel", "foot_index"):
        key[f"far_{part}"] = key[part]
    return key


def walking(duration: float, speed: float = 180.0, fps: float = 30.0) -> list[tuple[float, Key]]:
    """Walking across the picture side-on (facing image-right), ~1.9 steps a second: thighs
    swinging +-25 deg, the swinging knee bending up to 60 deg (as in normal gait), arms
    swinging, the longer (stance) leg on the floor."""
    out = []
    for i in range(round(duration * fps) + 1):
        t = i / fps
        ph = 2 * math.pi * 0.95 * t
        swing = 25 * math.sin(ph)
        bend_near = 60 * max(0.0, math.sin(ph + 1.2))
        bend_far = 60 * max(0.0, math.sin(ph + 1.2 + math.pi))
        key = synth.chain(
            (300 + speed * t, 400),
            90,
            -90 + swing,
            -90 + swing - bend_near,
            -90 - swing * 0.8,
            -80 - swing * 0.8,
            0,
            back_thigh=-90 - swing,
            back_shin=-90 - swing - bend_far,
            back_foot=0,
        )
        out.append((t, synth.on_floor(key)))
    return out


def sampled(
    pose_at: Callable[[float], Key], duration: float, fps: float = 30.0
) -> list[tuple[float, Key]]:
    """(t, key) at every frame of `duration` seconds from a pose-of-time function."""
    return [(i / fps, pose_at(i / fps)) for i in range(round(duration * fps) + 1)]


def smooth(x: float) -> float:
    """0..1 smooth-step (zero speed at both ends), clamped."""
    x = min(1.0, max(0.0, x))
    return x * x * (3 - 2 * x)


def pulse(t: float, start: float, rise: float, hold: float, fall: float) -> float:
    """0 -> 1 over `rise` s from `start`, stays `hold` s, back to 0 over `fall` s."""
    if t < start + rise:
        return smooth((t - start) / rise)
    return 1.0 - smooth((t - start - rise - hold) / fall)


def hopping(
    t: float, rate_hz: float = 2.3, height: float = 14.0, start: float = 1.0, stop: float = 1e9
) -> Key:
    """Jump-rope hops at `rate_hz` between `start` and `stop`: a parabolic flight for 45% of
    each cycle, then a landing with a small knee dip; standing before and after."""
    if not start <= t < stop:
        return hop(0.0)
    u = ((t - start) * rate_hz) % 1.0
    if u < 0.45:
        v = u / 0.45
        return hop(height * 4 * v * (1 - v))
    v = (u - 0.45) / 0.55
    return hop(0.0, dip=6.0 * math.sin(math.pi * v))
