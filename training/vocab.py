"""Training vocabularies: codes in English, labels in Chinese and English.

The ticket vocabularies (categories, channels, severities) come from `core.labels`; the
ones here exist only for teaching: unit kinds, topics, follow-up owners and timings, and
the catalogue of procedure violations a case may contain.
"""

from __future__ import annotations

from core.kit import Vocabulary


def _vocab(field_name: str, rows: list[tuple]) -> Vocabulary:
    vocab = Vocabulary(field_name)
    for row in rows:
        vocab.add(*row)
    return vocab

UNIT_KINDS = _vocab("unit_kind", [
    ("high_rise", "高层住宅", "high-rise flat", ("高层",)),
    ("multi_storey", "多层住宅", "low-rise flat", ("多层",)),
    ("villa", "别墅", "villa"),
    ("vacant", "空置房", "vacant unit", ("空置",)),
    ("shop", "商铺", "shop", ("底商",)),
    ("public_area", "公共区域", "public area", ("公区",)),
])

TOPICS = _vocab("topic", [
    ("complaint", "投诉处理", "complaint handling"),
    ("repair", "报修", "repair"),
    ("warranty", "保修", "warranty"),
    ("paid_service", "有偿服务", "paid service"),
    ("emergency", "急修", "emergency repair"),
    ("leak", "渗漏", "leak"),
    ("in_home", "入户服务规范", "in-home visit protocol"),
    ("keys", "钥匙管理", "key management"),
    ("archives", "业户档案", "household archives"),
    ("events", "社区活动", "community events"),
    ("hotline", "热线用语", "hotline phrasing"),
    ("deadlines", "时限", "deadlines"),
    ("holiday", "节假日调休", "holidays and adjusted workdays"),
    ("followup", "回访", "follow-up"),
    ("first_contact", "首接负责制", "first-contact responsibility"),
    ("safety", "公共安全", "public safety"),
    ("inquiry", "咨询", "inquiry"),
])

FOLLOWUP_OWNERS = _vocab("owner", [
    ("manager", "项目经理", "site manager", ("物业项目部负责人",)),
    ("supervisor", "客服主管", "service-desk supervisor", ("客服部门负责人",)),
    ("frontdesk", "客服中心", "service desk", ("客服员", "前台")),
    ("professional", "相关专业负责人", "responsible professional"),
])

FOLLOWUP_TIMINGS = _vocab("timing", [
    ("within_3wd_after_close", "结案后3个工作日内", "within 3 working days after closing"),
    ("within_24h", "24小时内", "within 24 hours"),
    ("within_10wd", "10个工作日内（抽样）", "within 10 working days (sampled)"),
    ("after_first_rain", "修复后第一个雨天后", "after the first rainy day"),
    ("within_1wd_after_completion", "完工后1个工作日内", "within 1 working day after completion"),
    ("agreement_mid_and_end", "特约服务协议中期及结束时", "at the middle and end of the agreement"),
    ("second_within_2_months", "2个月内再次回访", "a second time within 2 months"),
    ("in_person", "上门回访", "in person"),
    ("sampled_10pct", "按10%抽样回访", "a 10 % sample"),
])

#: what can go wrong in handling; a case names the ones present and plausible distractors
VIOLATIONS = _vocab("violation", [
    ("argued_with_customer", "与客户争辩、争吵", "argued with the customer"),
    ("buck_passing", "推诿，让客户自己找其他部门", "passed the customer to another department"),
    ("no_record", "未登记客户信息", "did not record the information"),
    ("no_handover", "交接班未交接未完成事项", "did not hand over an open matter"),
    ("late_reply", "超过时限未答复", "replied after the deadline"),
    ("no_report_back", "处理完未向客户反馈结果", "did not report back to the customer"),
    ("major_not_escalated", "重大投诉未上报主管/项目经理", "did not escalate a major complaint"),
    ("no_followup", "未按规定回访", "no follow-up as required"),
    ("guessed_answer", "不懂装懂，随意答复", "answered without knowing"),
    ("no_call_before_visit", "上门前未电话确认", "did not phone before the visit"),
    ("no_id_shown", "未出示工牌、表明身份", "did not show the staff card"),
    ("no_shoe_covers", "未穿鞋套", "no shoe covers"),
    ("no_mat", "工具未放垫布", "tools not on a mat"),
    ("smoked_or_ate", "在客户家抽烟、喝水或吃饭", "smoked, drank or ate at the customer's"),
    ("used_customer_things", "使用客户洗手间、毛巾或电话", "used the customer's toilet or towel"),
    ("moved_without_consent", "未经同意移动客户物品", "moved belongings without consent"),
    ("no_compensation", "损坏物品未照价赔偿", "did not compensate damage"),
    ("no_cleanup", "未清理现场", "did not clean up"),
    ("no_cause_explained", "未讲解故障原因和保养常识", "did not explain the cause and care"),
    ("no_signature", "未请客户在派工单上签字", "no customer signature on the work order"),
    ("charged_warranty", "保修范围内的问题收取费用", "charged for a warranty defect"),
    ("no_price_list", "未出示收费标准即收费", "charged without showing the price list"),
    ("no_receipt", "收费未开收据", "no receipt for the payment"),
    ("key_without_authorisation", "无业主授权借出钥匙", "lent a key without authorisation"),
    ("key_not_returned_logged", "钥匙归还未登记", "key return not logged"),
    ("lost_key_not_reported", "钥匙丢失未报项目经理审批", "lost key not reported for approval"),
    ("archive_without_approval", "未经审批查阅或复印档案", "archive copied without approval"),
    ("archive_no_register", "借阅/复印未登记", "loan or copy not registered"),
    ("no_id_checked", "未核验介绍信与证件", "did not check the letter and ID"),
    ("over_capacity", "报名超过名额未设候补", "registered past capacity, no waiting list"),
    ("no_emergency_dispatch", "急修未立即派工", "emergency repair not dispatched at once"),
])

DIFFICULTIES = {1: "基础 basic", 2: "进阶 intermediate", 3: "综合 advanced"}


def label(vocab: Vocabulary, code: str) -> str:
    """Chinese label alone, for trainee-facing text."""
    term = vocab.terms.get(code)
    return term.zh if term else code
