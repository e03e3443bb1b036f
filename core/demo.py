"""`propdesk init --demo`: a small believable site, made through the real services.

Two buildings of 100 units each, twelve staff, four weeks of tickets in every state.
Deterministic for a given seed; times are relative to now so the desk has live work.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from core import directory, followups, tickets
from core.errors import DomainError
from core.models import Ticket, Unit

if TYPE_CHECKING:
    from core.desk import Desk

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
         "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "晓东", "海燕"]
STAFF = [
    ("王芳", "frontdesk", "客服部"), ("李娜", "frontdesk", "客服部"),
    ("张敏", "frontdesk", "客服部"),
    ("刘洋", "supervisor", "客服部"), ("陈静", "manager", "项目部"),
    ("赵强", "technician", "工程部"), ("孙磊", "technician", "工程部"),
    ("周杰", "technician", "工程部"),
    ("吴刚", "technician", "安管部"), ("郑伟", "technician", "安管部"),
    ("冯丽", "technician", "保洁部"), ("何琳", "technician", "保洁部"),
]
FRONT = ["王芳", "李娜", "张敏"]
# (category, severity, topic, summary, department, weight)
SCENARIOS = [
    ("repair", None, "水管漏水", "卫生间水管接口漏水，楼下天花板有水渍", "工程部", 14),
    ("repair", None, "灯具故障", "楼道声控灯不亮", "工程部", 10),
    ("repair", "urgent", "停电", "家中突然停电，总闸跳不上", "工程部", 3),
    ("repair", None, "门禁故障", "单元门禁刷卡无反应", "工程部", 6),
    ("complaint", "minor", "噪音", "楼上夜间装修噪音扰民", "安管部", 6),
    ("complaint", "important", "保洁质量", "电梯厅连续两天未清扫，地面有垃圾", "保洁部", 4),
    ("complaint", "major", "电梯困人", "电梯故障困人二十分钟，业主情绪激动", "工程部", 1),
    ("complaint", "minor", "停车", "车位被外来车辆占用", "安管部", 5),
    ("inquiry", None, "物业费", "咨询物业费缴纳方式和优惠", None, 10),
    ("inquiry", None, "装修手续", "咨询装修申请需要的材料", None, 5),
    ("suggestion", None, "绿化", "建议增加儿童游乐区遮阳设施", None, 2),
    ("issue_report", None, "公共设施", "小区南门路灯损坏", "工程部", 4),
    ("paid_service", None, "疏通", "厨房下水道堵塞，请求有偿疏通", "工程部", 4),
    ("public_safety", None, "消防通道", "消防通道被杂物堵塞", "安管部", 2),
]
CHANNELS = ["phone"] * 6 + ["walk_in"] * 3 + ["online"] * 2 + ["collected", "verbal", "written"]


def load_demo(desk: Desk, seed: int = 20261001, days: int = 28, per_day: int = 8) -> dict[str, int]:
    """Load the demo site into an empty database."""
    with desk.read() as s:
        if s.scalar(select(func.count()).select_from(Unit)) or \
                s.scalar(select(func.count()).select_from(Ticket)):
            raise DomainError("demo", "the database already has data; use an empty database")
    rng = random.Random(seed)
    for name, role, dept in STAFF:
        directory.add_staff(desk, name, role, dept)
    units = []
    for building in ("1", "2"):
        for entrance in ("1", "2"):
            for floor in range(1, 26):
                for room in ("01", "02"):
                    code = f"{building}-{entrance}-{floor}{room}"
                    owner = rng.choice(SURNAMES) + rng.choice(GIVEN)
                    phone = f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
                    units.append({"code": code, "building": building, "owner_name": owner,
                                  "owner_phone": phone})
    with desk.write() as s:
        s.execute(Unit.__table__.insert(), units)
    now = desk.now()
    start = now - timedelta(days=days)
    weights = [sc[5] for sc in SCENARIOS]
    count = 0
    for day in range(days):
        for _ in range(rng.randint(per_day - 3, per_day + 3)):
            received = start + timedelta(days=day, hours=rng.uniform(7.5, 21.5))
            if received >= now:
                continue
            scenario = rng.choices(SCENARIOS, weights)[0]
            _life(desk, rng, scenario, rng.choice(units)["code"], received, now)
            count += 1
    return {"units": len(units), "staff": len(STAFF), "tickets": count}


def _life(desk: Desk, rng: random.Random, scenario: tuple, unit: str, received: datetime,
          now: datetime) -> None:
    """One ticket's life, as far as it has got by now."""
    category, severity, topic, summary, dept, _w = scenario
    agent = rng.choice(FRONT)
    on_spot = category in ("inquiry", "suggestion") and rng.random() < 0.8
    view = tickets.intake(
        desk, category=category, severity=severity, channel=rng.choice(CHANNELS), topic=topic,
        unit=None if category == "public_safety" else unit,
        location="地下车库B区" if category == "public_safety" else None, summary=summary,
        by=agent, at=received, answer="已当场答复" if on_spot else None)
    number, t = view["number"], received

    def step(hours: float) -> datetime | None:
        nonlocal t
        t = t + timedelta(hours=hours)
        return t if t < now else None

    if not on_spot:
        technicians = {"工程部": ["赵强", "孙磊", "周杰"], "安管部": ["吴刚", "郑伟"],
                       "保洁部": ["冯丽", "何琳"]}.get(dept or "", [])
        if (at := step(rng.uniform(0.05, 0.5))) is None:
            return
        tickets.dispatch(desk, number, rng.choice(technicians) if technicians else "客服部",
                         actor=agent, at=at)
        if category == "complaint" and (at := step(rng.uniform(0.2, 1.5))):
            tickets.contact(desk, number, "已致电业主说明处理安排", actor=agent, at=at)
        if (at := step(rng.uniform(0.2, 6))) is None:
            return
        tickets.start(desk, number, at=at)
        if (at := step(rng.uniform(0.5, 30 if rng.random() < 0.85 else 90))) is None:
            return
        tickets.resolve(desk, number, "已处理完毕", at=at)
    if (at := step(rng.uniform(0.2, 4))) is None:
        return
    if rng.random() < 0.1:  # dissatisfied: reopened, redone (直至满意为止)
        tickets.report(desk, number, False, satisfaction=2, actor=agent, at=at)
        for action in (tickets.start, tickets.resolve):
            if (at := step(rng.uniform(0.5, 12))) is None:
                return
            args = ("返工完成",) if action is tickets.resolve else ()
            action(desk, number, *args, at=at)
        if (at := step(rng.uniform(0.2, 4))) is None:
            return
    tickets.report(desk, number, True, satisfaction=rng.choice([4, 5]), actor=agent, at=at)
    if (at := step(rng.uniform(0.1, 2))) is None:
        return
    closer = "刘洋" if severity == "major" else agent  # major complaints: the supervisor
    tickets.close(desk, number, actor=closer, at=at)
    if category in ("complaint", "paid_service") and (at := step(rng.uniform(4, 48))):
        caller = "陈静" if severity == "major" else "刘洋"  # major complaints: the manager
        followups.record(desk, number, method="phone", satisfaction=rng.choice([4, 5, 5]),
                         fixed=True, actor=caller, at=at)
