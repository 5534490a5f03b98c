"""Demo data for the organisation: one account per role, vice mayors' portfolios and chain leaders.

The document does not list portfolios or chain leaders; the split below is invented but plausible, and an
administrator can change all of it in the UI. Idempotent: only what is missing is created.
"""

from datetime import date

import sqlalchemy as sa

from app.auth.models import Role, User
from app.auth.passwords import DEMO_PASSWORD  # published in the README; the policy refuses it elsewhere
from app.auth.services import create_user
from app.core.models import AuditEntry
from app.extensions import db
from app.org.models import Chain, Person, PortfolioItem, Position, Unit

DEMO_START = date(2022, 3, 17)

# vice mayor -> units in the portfolio (分管); invented for the demo.
PORTFOLIOS = {
    "吴志雄": ["市发改委", "市财政局", "市国资委", "市审计局", "市税务局", "市统计局", "湘潭高新区管委会",
            "湘潭县人民政府"],
    "周晖": ["市公安局", "市司法局", "市信访局", "市中级人民法院", "市人民检察院", "岳塘区人民政府",
           "岳塘经开区管委会"],
    "董巍": ["市自然资源规划局", "市住房城乡建设局", "市城管执法局", "湘潭中环水务有限公司",
           "湘潭新奥燃气有限公司", "湘潭经开区管委会", "湘潭天易经开区管委会"],
    "傅军": ["市教育局", "市卫生健康委", "市民政局", "市退役军人局", "市总工会", "市科协", "韶山市人民政府",
           "韶山高新区管委会"],
    "丁诚": ["市工信局", "市大数据和产业创新发展中心", "市通管办", "国防光缆湘潭维护站", "国网湘潭供电公司",
           "湘乡市人民政府", "湘乡经开区管委会"],
    "周艳希": ["市文旅广体局", "市商务局", "市优化人居环境事务中心", "湘潭综保区管委会", "雨湖区人民政府"],
    "杨晓军": ["市科技局", "市市场监管局", "市行政审批局", "市优化营商环境协调事务中心(市优化办)",
            "市人力资源社会保障局", "市经研金融办", "湘潭银保监分局", "人民银行市中心支行", "市工商联",
            "市机关事务局", "雨湖高新区管委会"],
    "陈爱民": ["市农业农村局", "市乡村振兴局", "市林业局", "市水利局", "市生态环境局", "市交通运输局",
            "市应急管理局"],
}

CHAIN_LEADERS = {
    "新能源和汽车制造": ("杨晓军", "市工信局"), "精品钢材及新材料": ("丁诚", "市工信局"),
    "军工": ("吴志雄", "市工信局"), "绿色建材装配式建筑和建工": ("董巍", "市住房城乡建设局"),
    "生态绿色食品及槟榔制品": ("陈爱民", "市农业农村局"), "文体旅游休闲": ("周艳希", "市文旅广体局"),
    "先进电传动和新型能源装备": ("丁诚", "市发改委"), "高端装备制造": ("杨晓军", "市工信局"),
    "电子信息和新一代信息技术": ("丁诚", "市大数据和产业创新发展中心"), "现代商贸及物流": ("周艳希", "市商务局"),
    "高端医疗器械及生物医药": ("傅军", "市卫生健康委"), "省级优势产业配套": ("吴志雄", "市发改委"),
}

# username, display name, role, unit, person
ACCOUNTS = [
    ("admin", "千百十办管理员", Role.admin, "市产业强市“千百十”工程办", None),
    ("shuji", "刘志仁（市委书记）", Role.leader, None, "刘志仁"),
    ("shizhang", "胡贺波（市长）", Role.leader, None, "胡贺波"),
    ("fushizhang", "杨晓军（副市长）", Role.leader, None, "杨晓军"),
    ("fushizhang2", "丁诚（副市长）", Role.leader, None, "丁诚"),
    ("gxj", "市工信局联络员", Role.staff, "市工信局", None),
    ("fgw", "市发改委联络员", Role.staff, "市发改委", None),
    ("kjj", "市科技局联络员", Role.staff, "市科技局", None),
    ("xtx", "湘潭县联络员", Role.staff, "湘潭县人民政府", None),
    ("gxq", "湘潭高新区联络员", Role.staff, "湘潭高新区管委会", None),
    # The other assessing units (附件2 三(一)), each with an account that drafts its 考评细则 and scores its indicators.
    ("shangwu", "市商务局联络员", Role.staff, "市商务局", None),
    ("shichang", "市市场监管局联络员", Role.staff, "市市场监管局", None),
    ("jinrong", "市经研金融办联络员", Role.staff, "市经研金融办", None),
    ("wenlv", "市文旅广体局联络员", Role.staff, "市文旅广体局", None),
    ("shenpi", "市行政审批局联络员", Role.staff, "市行政审批局", None),
    ("guancha", "观察员", Role.observer, None, None),
]


def seed_demo_org():
    units = {u.name: u for u in db.session.scalars(sa.select(Unit))}
    people = {p.name: p for p in db.session.scalars(sa.select(Person))}
    created = {"portfolio": 0, "chains": 0, "users": 0}
    if not db.session.scalar(sa.select(sa.func.count()).select_from(PortfolioItem)):
        for name, unit_names in PORTFOLIOS.items():
            for unit_name in unit_names:
                db.session.add(PortfolioItem(person=people[name], unit=units[unit_name], starts_on=DEMO_START))
                created["portfolio"] += 1
    # A chain whose leader an administrator set or cleared (audited as chain.update) is left as it is.
    edited = set(db.session.scalars(sa.select(AuditEntry.object_id).where(AuditEntry.action == "chain.update")))
    for chain in db.session.scalars(sa.select(Chain).where(Chain.leader_id.is_(None))):
        if chain.name in CHAIN_LEADERS and str(chain.id) not in edited:
            person, unit = CHAIN_LEADERS[chain.name]
            chain.leader, chain.leader_unit = people[person], units[unit]
            created["chains"] += 1
    _demo_unit_heads(units)
    existing = set(db.session.scalars(sa.select(User.username)))
    for username, display, role, unit, person in ACCOUNTS:
        if username in existing:
            continue
        create_user(None, username, display, DEMO_PASSWORD, role, units.get(unit), people.get(person),
                    allow_demo_password=True)  # the demo's accounts are the one place the demo password is allowed
        created["users"] += 1
    db.session.flush()
    return created


def _demo_unit_heads(units):
    """County and park heads report every half year (半年述职); the document does not name them."""
    have = set(db.session.scalars(sa.select(Position.unit_id).where(Position.is_unit_head)))
    surnames = "王李张刘陈杨黄赵吴周徐孙马"
    for i, unit in enumerate(u for u in units.values() if u.group is not None and u.group.value in
                             ("county", "park1", "park2")):
        if unit.id in have:
            continue
        title = "县（市、区）长" if unit.group.value == "county" else "管委会主任"
        person = Person(name=f"{surnames[i % len(surnames)]}某（{unit.short_name}）", note="演示数据")
        person.positions.append(Position(unit=unit, title=title, starts_on=DEMO_START, is_unit_head=True))
        db.session.add(person)
