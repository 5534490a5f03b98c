"""The indicators annex 2 三 names for each assessor, as the starting draft of its 考评细则: the name, a suggested
method and data source, and points per component profile that add up to the component's maximum (附件2 四).

The document fixes what each assessor scores and each component's maximum; how the maximum is split between the
indicators and how each is scored is the assessor's to decide by the end of March (六(一)). These defaults are the
office's suggestion, which the assessor edits before submitting: points per profile (county_a 湘潭县·湘乡市·雨湖区,
shaoshan 韶山市, yuetang 岳塘区, park_a 高新区·经开区·二类园区, park_b 综保区·岳塘经开区, city 市直单位及相关企业).
Ledger keys are the codes of the programme's indicators (`targets.code`, e.g. G13) or a project rate of the cockpit
(rate:start 开工率, rate:invest 投资完成率, rate:funds 资金到位率).
"""

from dataclasses import dataclass, field

LINEAR = {"cap": "100", "floor": "0"}
STEPS = {"steps": [["60", "60"], ["80", "80"], ["100", "100"]]}
RANK = {"shares": ["100", "90", "80", "70", "60"]}
# Levels at a point in time (a stock, a share, a rate) are held each quarter to the yearly target itself; flows
# accumulated over the year (investment, turnover ...) to the quarter's share of it (engine.PROGRESS_*).
LEVEL = {"progress": "level"}
LINEAR_LEVEL = {**LINEAR, **LEVEL}
STEPS_LEVEL = {**STEPS, **LEVEL}
RANK_LEVEL = {**RANK, **LEVEL}
APPROVAL_UNIT = "市行政审批局"  # 三(一)8: 千百十办牵头,会同市行政审批局 — 产业项目审批服务


@dataclass(frozen=True)
class DefaultIndicator:
    code: str
    name: str
    method: str
    points: dict
    params: dict = field(default_factory=dict)
    source: str = "entered"
    ledger_key: str | None = None
    measure_unit: str | None = None
    co_assessor: str | None = None  # a unit's short name
    description: str = ""


def _i(code, name, method, points, params=None, source="entered", ledger_key=None, measure_unit=None,
       co_assessor=None, description=""):
    if method in ("manual", "tasks", "rating"):
        source = "none"
    return DefaultIndicator(code, name, method, points, dict(params or {}), source, ledger_key, measure_unit,
                            co_assessor, description)


def _p(county_a=None, shaoshan=None, yuetang=None, park_a=None, park_b=None, city=None):
    values = {"county_a": county_a, "shaoshan": shaoshan, "yuetang": yuetang, "park_a": park_a, "park_b": park_b,
              "city": city}
    return {k: str(v) for k, v in values.items() if v is not None}


DEFAULT_INDICATORS = {
    # 三(一)1 and 三(二)2
    "miit": (
        _i("chain", "产业链建设", "manual", _p(4, 4, 4, 4),
           description="链长制运行、链主企业培育、产业链招商与配套情况"),
        _i("above_scale", "规模工业企业培育", "linear", _p(4, 4, 4, 4), LINEAR_LEVEL, "ledger", "G13", "家",
           description="规模工业企业数量，对照年度目标按完成率计分"),
        _i("specialized", "国省市“专精特新”中小企业培育", "count", _p(3, 3, 3, 3), {"per_event": "1"}, "entered",
           measure_unit="家", description="本年新认定国家级、省级、市级专精特新企业，每家计1分"),
        _i("mfg_share", "制造业增加值占GDP比重", "linear", _p(3, 3, 3, 3), LINEAR_LEVEL, measure_unit="%"),
        _i("emerging", "工业战略性新兴产业发展情况", "steps", _p(3, 3, 3, 3), STEPS, measure_unit="亿元",
           description="工业战略性新兴产业产值，完成率达60%、80%、100%分别得60%、80%、100%分值"),
        _i("high_tech_industry", "高技术产业发展情况", "linear", _p(3, 3, 3, 3), LINEAR, measure_unit="亿元"),
        _i("support", "企业精准帮扶", "steps", _p(3, 3, 3, 3), STEPS_LEVEL, "ledger", "P8-1", "%",
           description="联点帮扶覆盖规上企业的比例"),
        _i("qbfp", "“千百扶培”工作情况", "manual", _p(2, 2, 2, 2, city=30),
           description="三（二）2：市工信局考评市直单位“千百扶培”工作开展情况"),
    ),
    # 三(一)2
    "ndrc": (
        _i("investment", "产业投资", "linear", _p(5, 4, 5, 5, 10), LINEAR, measure_unit="亿元"),
        _i("high_tech_investment", "高技术产业投资", "linear", _p(4, 3, 4, 4, 6), LINEAR, measure_unit="亿元"),
        _i("key_projects", "重点产业项目建设", "steps", _p(5, 4, 5, 5, 10), STEPS_LEVEL, "ledger", "rate:start", "%",
           description="重点产业项目开工率"),
        _i("logistics", "物流业发展", "linear", _p(3, 2, 3, park_b=4), LINEAR, measure_unit="亿元"),
        _i("tax_per_mu", "园区亩均税收", "linear", _p(park_a=4, park_b=4), LINEAR, measure_unit="万元/亩"),
        _i("land_index", "园区土地节约集约利用指数", "rank", _p(park_a=3, park_b=3), RANK_LEVEL, measure_unit="分",
           description="按完成率在组内排名计分"),
        _i("five_good", "“五好”园区建设", "manual", _p(3, 2, 3, 4, 3)),
    ),
    # 三(一)3
    "most": (
        _i("rd", "研发经费投入", "linear", _p(5, 3, 3, 5), LINEAR, measure_unit="亿元"),
        _i("tech_contracts", "技术合同成交额", "linear", _p(4, 3, 3, 4), LINEAR, measure_unit="亿元"),
        _i("high_tech", "高新技术企业数量", "linear", _p(3, 2, 2, 3), LINEAR_LEVEL, "ledger", "G15", "家"),
        _i("tech_sme", "科技型中小企业数量", "linear", _p(3, 2, 2, 3), LINEAR_LEVEL, measure_unit="家"),
    ),
    # 三(一)4
    "commerce": (
        _i("projects_100m", "引进亿元以上项目", "linear", _p(3, 3, 3, 3, 6), LINEAR, measure_unit="个"),
        _i("top500", "引进“三类500强”项目", "count", _p(2, 2, 2, 2, 4), {"per_event": "1"}, measure_unit="个",
           description="每引进一个“三类500强”项目计1分"),
        _i("funds_rate", "招引项目资金到位率", "steps", _p(2, 2, 2, 2, 4), STEPS_LEVEL, "ledger", "rate:funds", "%"),
        _i("retail", "社会消费品零售总额", "linear", _p(1, 1, 1, 1, 2), LINEAR, measure_unit="亿元"),
        _i("goods_trade", "货物贸易额", "linear", _p(1, 1, 1, 1, 2), LINEAR, measure_unit="亿元"),
        _i("import_export", "进出口额", "linear", _p(1, 1, 1, 1, 2), LINEAR, measure_unit="亿元"),
    ),
    # 三(一)5
    "samr": (
        _i("market_entities", "市场主体培育", "linear", _p(3, 3, 3, 3, 9), LINEAR, "ledger", "P3-1", "万户"),
        _i("enterprise_growth", "企业数量增长", "linear", _p(2, 2, 2, 2, 6), LINEAR, measure_unit="户"),
    ),
    # 三(一)6
    "finance": (
        _i("listed", "企业上市或过会", "count", _p(2, 2, 2, 2), {"per_event": "2"}, measure_unit="家",
           description="每家上市或过会企业计2分"),
        _i("filed", "申报上市材料", "count", _p(1, 1, 1, 1), {"per_event": "1"}, measure_unit="家"),
        _i("tutoring", "辅导备案", "count", _p(1, 1, 1, 1), {"per_event": "0.5"}, measure_unit="家"),
        _i("shareholding", "上市股改", "count", _p(1, 1, 1, 1), {"per_event": "0.5"}, measure_unit="家"),
    ),
    # 三(一)7
    "culture": (
        _i("culture_projects", "文旅体产业项目", "linear", _p(1, 4, 2), LINEAR, measure_unit="亿元"),
        _i("culture_revenue", "规模以上文化企业营业收入", "linear", _p(1, 3, 2), LINEAR, measure_unit="亿元"),
        _i("tourism", "旅游总收入", "linear", _p(1, 4, 2), LINEAR, measure_unit="亿元"),
        _i("facility_area", "人均拥有公共文化设施面积", "steps", _p(1, 2, 2), STEPS_LEVEL, measure_unit="平方米"),
        _i("venue_visits", "人均接受文化场馆服务次数", "linear", _p(1, 2, 2), LINEAR, measure_unit="次"),
    ),
    # 三(一)8 and 三(二)1
    "office": (
        _i("approval_service", "产业项目审批服务", "manual", _p(4, 4, 4, 4, 6), co_assessor=APPROVAL_UNIT,
           description="三（一）8：千百十办会同市行政审批局考评"),
        _i("project_landing", "产业项目落地", "linear", _p(4, 4, 4, 4, 7), LINEAR, "ledger", "rate:invest", "%",
           description="重点产业项目年度投资完成率"),
        _i("tasks", "推进“千百十”工程交办事项落实", "tasks", _p(7, 7, 7, 7, 12, 35)),
        _i("daily_work", "日常工作开展情况", "manual", _p(city=15)),
        _i("annual_goals", "年度目标完成情况", "manual", _p(city=10)),
        _i("service_rating", "服务质量评价", "rating", _p(city=10),
           description="三（二）1：县市区、园区、企业对市直单位服务质量的评价，按评价平均分折算"),
    ),
}
