"""Demo data for assigned tasks.

`seed_demo_tasks(today)` tells about 150 small stories through the real services (交办, 签收, 反馈, 延期, 催办,
申请办结, 审核, 退回, 撤销), each on the day it happens: the app clock is frozen at every step, so `created_at`,
`at`, `requested_at`, the audit log and the services' own date checks all see a consistent past. Every state and
every light exists relative to `today`, and both demo vice mayors' dispatch lists have a task in every light in
the current 旬. Demo tasks are recognised by their `source_ref`, which starts with "演示". It does not commit.

The 50,000 stress tasks of `flask demo --scale stress` and the benchmarks are benchmarks/stress_data.py; they
borrow the texts below.
"""

import logging
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app.auth.models import Role, User
from app.auth.passwords import DEMO_PASSWORD
from app.auth.services import create_user
from app.core.calendar import get_calendar
from app.core.clock import frozen_clock
from app.core.periods import Xun
from app.demo.org import PORTFOLIOS
from app.extensions import db
from app.org.models import Plan, Unit
from app.tasks import services
from app.tasks.models import Task, TaskPriority, TaskSource
from app.tasks.queries import light_window

log = logging.getLogger(__name__)

DEMO_REF = "演示"

# --- the demo's content: (lead unit, co-units, title) per plan or measure, short names as in organisation.json -

TEMPLATES = {
    "P1": [
        ("市工信局", ("市商务局", "湘潭经开区"), "编制新能源和汽车制造产业链图谱及招商目标企业清单"),
        ("市工信局", ("湘潭经开区", "市发改委"), "推动整车企业新车型投产，提升本地配套率"),
        ("市发改委", ("市工信局", "岳塘经开区"), "筹备精品钢材及新材料产业链链长季度工作推进会"),
        ("市工信局", ("湘潭高新区", "市国资委"), "调度军工产业链重点企业产能扩张项目"),
        ("市发改委", ("湘潭高新区", "市工信局"), "先进电传动和新型能源装备产业链重点项目入库"),
        ("市工信局", ("市大数据和产业创新发展中心", "雨湖高新区"), "电子信息产业链补链延链项目对接"),
        ("湘潭高新区", ("市工信局", "市商务局"), "引进风电装备产业集群关键配套企业"),
        ("湘潭县", ("市农业农村局", "市市场监管局"), "推动食品及槟榔制品产业链龙头企业技术改造"),
        ("市大数据和产业创新发展中心", ("市工信局",), "建设产业链运行监测平台并完成12条产业链数据接入"),
        ("岳塘经开区", ("市商务局",), "推动现代商贸物流产业链项目签约落地"),
        ("市工信局", ("市发改委", "市科技局"), "完成12条产业链年度链长述职材料汇总"),
    ],
    "P2": [
        ("市发改委", ("市税务局", "市自然资源规划局"), "开展全市园区亩均税收季度监测并通报排名"),
        ("湘潭高新区", ("市税务局", "市发改委"), "制定亩均税收提升行动方案，力争亩均税收突破25万元"),
        ("天易经开区", ("市自然资源规划局",), "清理盘活低效闲置工业用地"),
        ("韶山高新区", ("市发改委",), "推进“五好园区”创建，补齐基础设施短板"),
        ("湘乡经开区", ("市商务局",), "加快标准厂房去化，引进中小制造企业入驻"),
        ("雨湖高新区", ("市自然资源规划局", "市发改委"), "完成园区调区扩区申报材料"),
        ("湘潭综保区", ("市商务局",), "提升综保区进出口额，开展外贸企业招引专项"),
        ("市自然资源规划局", ("市发改委",), "推进园区工业用地“标准地”出让改革"),
        ("市发改委", ("市工信局",), "核算园区规模工业增加值占全市比重"),
        ("湘潭经开区", ("市税务局",), "开展园区企业亩均效益综合评价"),
    ],
    "P3": [
        ("市市场监管局", ("市行政审批局", "市税务局"), "分解年度新增市场主体目标并按月调度"),
        ("市市场监管局", ("市税务局", "湘潭县"), "开展“个转企”专项行动"),
        ("雨湖区", ("市市场监管局",), "完成一季度新增市场主体任务"),
        ("岳塘区", ("市市场监管局",), "开展市场主体培育“春雨行动”"),
        ("湘乡市", ("市市场监管局", "市税务局"), "推进“个转企”“企升规”联动培育"),
        ("市行政审批局", ("市市场监管局", "市税务局"), "企业开办全流程压缩至1个工作日"),
        ("韶山市", ("市文旅广体局",), "培育文旅类市场主体，新增民宿经营主体"),
        ("湘潭县", ("市市场监管局",), "完成新增市场主体季度目标"),
        ("市市场监管局", ("市税务局",), "编制市场主体活跃度分析报告"),
        ("人民银行市中心支行", ("湘潭银保监分局",), "推动新设小微企业首贷服务全覆盖"),
    ],
    "P4": [
        ("市工信局", ("湘潭县", "湘乡市"), "建立年度新增规模工业企业培育库"),
        ("湘潭县", ("市工信局",), "组织“小升规”企业入库申报"),
        ("湘乡市", ("市工信局", "市税务局"), "推进规上工业企业入库，全年净增不少于20家"),
        ("市工信局", ("市税务局",), "开展规上工业企业退库预警与帮扶"),
        ("岳塘区", ("市工信局",), "推进工业企业“小升规”"),
        ("天易经开区", ("市工信局",), "新增规上工业企业申报入库"),
        ("韶山市", ("市工信局",), "培育规上工业企业后备梯队"),
        ("市工信局", ("市发改委",), "开展规模工业增加值月度运行分析"),
        ("湘潭高新区", ("市工信局",), "组织园区企业规上入库申报"),
        ("雨湖区", ("市工信局",), "推动规上工业企业培育对象达产达效"),
    ],
    "P5": [
        ("市工信局", ("市科技局", "湘潭高新区"), "组织国家级专精特新“小巨人”企业申报"),
        ("市工信局", ("湘潭经开区", "湘潭县"), "推荐省级专精特新中小企业，力争新增30家"),
        ("市工信局", ("市科技局",), "开展市级专精特新企业认定，全年认定60家"),
        ("湘潭高新区", ("市工信局",), "建立专精特新企业梯度培育库"),
        ("市科技局", ("市税务局", "市工信局"), "开展专精特新企业研发费用加计扣除政策宣讲"),
        ("市工信局", ("湘潭经开区",), "培育制造业单项冠军企业"),
        ("湘潭经开区", ("市工信局", "市科技局"), "辅导园区企业申报“小巨人”"),
        ("市经研金融办", ("人民银行市中心支行", "湘潭银保监分局"), "推动“专精特新贷”银企对接"),
        ("湘乡经开区", ("市工信局",), "专精特新企业培育入库"),
        ("市大数据和产业创新发展中心", ("市工信局",), "开展专精特新企业数字化转型诊断"),
    ],
    "P6": [
        ("市工信局", ("市发改委", "湘潭经开区"), "制定100亿级企业培育“一企一策”方案"),
        ("市国资委", ("市工信局",), "推动市属国企产业投资，培育50亿级企业"),
        ("湘潭经开区", ("市工信局",), "推动重点汽车企业年产值冲刺100亿元"),
        ("岳塘经开区", ("市工信局",), "培育钢铁配套领域50亿级企业"),
        ("市工信局", ("市发改委",), "动态调整20亿级、10亿级企业培育名录"),
        ("供电公司", ("市工信局",), "保障重点企业扩产用电需求"),
        ("燃气公司", ("市工信局",), "保障重点企业生产用气"),
        ("湘潭高新区", ("市工信局", "市科技局"), "推动龙头企业扩能增产"),
        ("市税务局", ("市工信局",), "为100亿级企业配备纳税服务专员"),
        ("市工信局", ("市税务局",), "建立重点企业产值月度监测机制"),
    ],
    "P7": [
        ("市经研金融办", ("市工信局", "市科技局"), "动态更新上市后备企业资源库"),
        ("市经研金融办", ("湘潭高新区",), "对北交所拟上市企业开展“一企一策”辅导"),
        ("湘潭高新区", ("市经研金融办",), "推动园区拟上市企业完成辅导备案"),
        ("市经研金融办", ("市市场监管局",), "推动企业在湖南股交所湘潭专板挂牌"),
        ("湘潭县", ("市经研金融办",), "培育上市后备企业，完成股份制改造"),
        ("市市场监管局", ("市经研金融办",), "为拟上市企业股改登记开辟绿色通道"),
        ("湘潭银保监分局", ("市经研金融办",), "组织上市后备企业融资对接"),
        ("市经研金融办", ("市财政局",), "测算资产证券化率并制定提升方案"),
        ("湘潭经开区", ("市财政局", "市经研金融办"), "兑现企业上市奖补资金"),
        ("市自然资源规划局", ("市经研金融办",), "解决拟上市企业历史遗留用地确权问题"),
    ],
    "P8": [
        ("市工信局", ("湘潭县", "湘潭高新区"), "“千名干部联千企”走访问题交办闭环"),
        ("市财政局", ("市工信局",), "兑现年度惠企政策资金"),
        ("市税务局", ("市工信局",), "落实增值税留抵退税政策"),
        ("市人力资源社会保障局", ("市财政局",), "发放稳岗返还和就业补贴"),
        ("供电公司", ("市发改委",), "推行企业用电报装“三零”服务"),
        ("水务公司", ("市住房城乡建设局",), "压缩工业用水报装时间"),
        ("燃气公司", ("市发改委",), "落实工业用气价格政策"),
        ("市中级人民法院", ("市工信局",), "建立涉企破产案件“府院联动”机制"),
        ("湘潭县", ("市工信局",), "开通企业诉求“直通车”"),
        ("市工信局", ("市财政局", "市税务局"), "建立规上企业帮扶全覆盖台账"),
    ],
    "M1": [
        ("市商务局", ("市发改委", "湘潭经开区"), "引进“三类500强”企业投资项目"),
        ("市商务局", ("湘潭高新区", "湘潭经开区"), "举办粤港澳大湾区产业招商推介会"),
        ("湘潭经开区", ("市商务局",), "新签约亿元以上招商项目"),
        ("湘潭高新区", ("市商务局", "市工信局"), "开展“链式招商”，推动项目集中签约"),
        ("湘潭县", ("市商务局", "市发改委"), "推动签约亿元项目开工建设"),
        ("雨湖区", ("市商务局",), "推动招商项目按期入统"),
        ("岳塘区", ("市商务局",), "开展总部经济招商"),
        ("韶山市", ("市商务局", "市文旅广体局"), "开展文旅康养产业招商"),
        ("市商务局", ("市发改委", "市工信局"), "督查招商项目合同履约率"),
        ("湘潭综保区", ("市商务局",), "引进加工贸易项目"),
        ("湘乡市", ("市商务局",), "承接产业转移项目落地"),
    ],
    "M2": [
        ("市科技局", ("市税务局", "湘潭高新区"), "组织高新技术企业申报认定，年底突破1000家"),
        ("市科技局", ("市发改委", "市税务局"), "研发投入强度统计与提升"),
        ("市教育局", ("市科技局",), "推动湘潭大学、湖南科技大学科技成果就地转化"),
        ("市科技局", ("湘潭高新区",), "建设省级以上创新平台"),
        ("市科协", ("市科技局",), "新建院士专家工作站"),
        ("湘潭高新区", ("市科技局",), "推动科技企业孵化器提质升级"),
        ("市科技局", ("市工信局",), "开展科技型中小企业评价入库"),
        ("雨湖高新区", ("市科技局",), "推进产学研合作项目"),
        ("市教育局", ("市人力资源社会保障局",), "职业院校开展订单式人才培养"),
        ("市科技局", ("市工信局", "湘潭经开区"), "实施科技成果转化“揭榜挂帅”项目"),
    ],
    "M3": [
        ("市经研金融办", ("人民银行市中心支行", "湘潭银保监分局"), "举办季度政银企对接会"),
        ("人民银行市中心支行", ("市经研金融办",), "推动制造业中长期贷款增长"),
        ("湘潭银保监分局", ("市经研金融办",), "实现普惠小微贷款“两增”目标"),
        ("市经研金融办", ("市财政局", "市国资委"), "组建产业发展基金并完成首批投放"),
        ("市财政局", ("市经研金融办",), "完善政府性融资担保体系"),
        ("市经研金融办", ("市财政局",), "规范应急转贷资金使用"),
        ("湘潭县", ("市经研金融办",), "建设乡镇金融服务站"),
        ("市国资委", ("市财政局",), "推动国有平台公司市场化转型"),
    ],
    "M4": [
        ("市发改委", ("市财政局",), "申报中央预算内投资项目"),
        ("市发改委", ("市财政局", "湘潭县"), "储备地方政府专项债券项目"),
        ("市发改委", ("市自然资源规划局", "市住房城乡建设局"), "调度省市重点建设项目进度"),
        ("市住房城乡建设局", ("市行政审批局",), "推行重大项目施工许可并联审批"),
        ("市自然资源规划局", ("市发改委",), "加快重点项目用地报批"),
        ("市生态环境局", ("市发改委",), "加快重点项目环评审批"),
        ("市交通运输局", ("市发改委",), "争取园区道路项目省级补助资金"),
        ("湘潭县", ("市发改委",), "推动重大项目集中开工"),
        ("湘乡市", ("市发改委",), "完成重点项目年度投资计划"),
        ("岳塘区", ("市发改委", "市自然资源规划局"), "完成重大项目征地拆迁"),
        ("市水利局", ("市发改委",), "争取水利项目中央资金"),
        ("市农业农村局", ("市发改委",), "申报农业产业强镇项目"),
    ],
    "M5": [
        ("市优化办", ("市行政审批局", "市市场监管局"), "整改营商环境评价反馈问题"),
        ("市行政审批局", ("市优化办",), "扩大“一件事一次办”事项范围"),
        ("市优化办", ("市市场监管局", "市应急管理局"), "推行涉企检查“综合查一次”"),
        ("市公安局", ("岳塘区",), "整治重点企业周边治安环境"),
        ("市司法局", ("市优化办",), "开展涉企行政执法监督"),
        ("市信访局", ("市优化办",), "化解涉企信访积案"),
        ("市城管执法局", ("湘潭经开区",), "整治园区周边市容环境"),
        ("市优化人居环境事务中心", ("湘潭高新区",), "提质园区生活配套设施"),
        ("市人民检察院", ("市优化办",), "开展涉企案件“挂案”清理"),
        ("市审计局", ("市财政局",), "审计惠企资金拨付情况"),
        ("市通管办", ("湘潭高新区",), "实现重点园区5G网络全覆盖"),
        ("国防光缆湘潭维护站", ("市发改委",), "配合重点项目施工开展光缆迁改保护"),
    ],
    "M6": [
        ("市人力资源社会保障局", ("市科技局", "市教育局"), "实施“莲城人才行动计划”引进高层次人才"),
        ("市人力资源社会保障局", ("市工信局",), "开展重点企业用工保障专项服务"),
        ("市人力资源社会保障局", ("市总工会",), "开展高技能人才培训"),
        ("市退役军人局", ("市人力资源社会保障局",), "组织退役军人进园区就业"),
        ("市总工会", ("市人力资源社会保障局",), "举办产业工人职业技能竞赛"),
        ("湘潭高新区", ("市住房城乡建设局",), "建设人才公寓"),
        ("市教育局", ("市人力资源社会保障局",), "保障高层次人才子女入学"),
        ("市卫生健康委", ("市人力资源社会保障局",), "提供高层次人才医疗保障服务"),
        ("市民政局", ("市人力资源社会保障局",), "完善人才安居社区服务"),
        ("湘乡市", ("市人力资源社会保障局",), "开展返乡创业人才招引"),
    ],
}

# Lead units' reports, per plan, in the order a task moves forward.
PROGRESS = {
    "P1": ["已梳理产业链上下游企业312家，形成链主企业、配套企业和缺失环节清单",
           "召开链长制工作调度会，明确年度补链项目18个，已签约6个",
           "重点配套项目已完成备案，正在办理用地手续",
           "链上企业一季度产值同比增长12.6%，补链项目已开工4个"],
    "P2": ["已完成园区亩均税收数据采集，正在与税务部门逐户核对",
           "排查低效闲置用地23宗共1860亩，已盘活9宗",
           "园区标准厂房新签约入驻企业5家，去化率提升至78%",
           "一季度园区亩均税收同比提高1.8万元，进度符合预期"],
    "P3": ["已将年度目标分解到各县市区和园区，建立周调度台账",
           "本月新增市场主体2715户，同比增长9.3%",
           "“个转企”已完成142户，正在组织第二批政策宣讲",
           "累计新增市场主体完成年度目标的46%"],
    "P4": ["已建立“小升规”培育库，入库企业168家",
           "组织培育企业参加统计入库培训2场，指导完善财务报表",
           "已有21家企业达到入规标准，正在申报入库",
           "本季度净增规模工业企业37家，完成年度目标的31%"],
    "P5": ["已完成全市中小企业摸底，筛选专精特新培育对象86家",
           "组织23家企业参加省工信厅申报培训，逐户辅导申报材料",
           "申报材料已通过初审，正在组织专家现场核查",
           "已推荐国家级“小巨人”企业9家、省级专精特新企业34家"],
    "P6": ["已对重点企业逐一制定“一企一策”，明确市级联系领导",
           "协调解决企业扩产用地、用电问题4个",
           "重点企业一季度产值同比增长15.2%，扩能项目设备已进场",
           "2家企业年产值有望突破50亿元，正在跟踪调度"],
    "P7": ["已更新上市后备企业资源库，入库企业58家",
           "邀请券商、律所对6家企业开展上市辅导",
           "1家企业已向湖南证监局报送辅导备案，2家完成股份制改造",
           "协调解决拟上市企业土地、社保等历史遗留问题3个"],
    "P8": ["已汇总走访企业反映问题126个，逐一交办责任单位",
           "已办结企业诉求98个，办结率77.8%",
           "惠企资金已拨付1.2亿元，惠及企业430家",
           "建立问题办理回访机制，企业满意率96%"],
    "M1": ["已赴深圳、东莞开展小分队招商，对接企业17家",
           "新签约亿元以上项目8个，合同引资46亿元",
           "签约项目中已有5个完成注册，3个开工建设",
           "招商项目资金到位率62%，正在督促加快履约"],
    "M2": ["已完成高新技术企业申报动员，意向申报企业213家",
           "组织专家对申报材料进行辅导，已提交材料176家",
           "新建省级工程技术研究中心2家，正在申报国家级平台1家",
           "全市研发投入同比增长14.1%，强度达到2.8%"],
    "M3": ["已召开政银企对接会，现场签约授信38亿元",
           "制造业中长期贷款余额同比增长21%",
           "产业基金已完成备案，首批拟投项目3个",
           "应急转贷资金累计为企业周转4.6亿元"],
    "M4": ["已储备项目136个，总投资812亿元",
           "申报中央预算内投资项目19个，已获批7个，到位资金2.3亿元",
           "省重点项目已开工21个，完成年度投资计划的38%",
           "专项债券项目已完成前期手续，正在组织发行"],
    "M5": ["已对照评价反馈问题制定整改清单，共37项",
           "已完成整改24项，其余正在推进",
           "“综合查一次”已覆盖12个部门，涉企检查次数同比下降41%",
           "企业开办时间已压缩至0.5个工作日"],
    "M6": ["已发布高层次人才需求目录，收集岗位需求1260个",
           "举办专场招聘会3场，达成就业意向2100人",
           "引进博士及高级职称人才47人，落实人才公寓120套",
           "高技能人才培训已完成1800人次"],
}

CO_PROGRESS = ["已按分工报送配合事项材料，并安排专人对接", "已配合召开现场协调会，相关问题已明确办理时限",
               "本单位负责的审批（服务）环节已办结", "已提供相关数据，正在配合开展下一步工作",
               "已派员参加联合调度，配合事项进度正常"]
SUMMARIES = ["各项目标任务已全部完成，相关材料已归档", "已按要求完成，成果已报千百十办备案",
             "任务已完成，形成长效工作机制", "已完成既定目标，后续纳入常态化调度"]
EXTENSION_REASONS = ["受项目审批进度影响，需延期完成", "企业申报窗口调整，需按省里新的时间节点完成",
                     "涉及用地报批，需等待省自然资源厅审批", "项目设备到货推迟，需相应顺延"]
URGE_NOTES = {1: "请加快推进，按时反馈进展", 2: "已逾期，请主要负责同志亲自调度，三日内报送整改情况",
              3: "多次催办仍未办结，予以通报"}
CANCEL_REASONS = ["因上级政策调整，该事项不再实施", "已并入其他交办事项统一办理", "企业投资计划调整，项目终止"]
RETURN_NOTES = ["佐证材料不全，请补充项目开工照片和合同复印件", "完成情况与交办要求不符，请补充量化成效"]
SOURCES = [(TaskSource.plan, "演示：计划举措分解"), (TaskSource.plan, "演示：年度重点任务清单"),
           (TaskSource.meeting, "演示：周会商会议纪要"), (TaskSource.meeting, "演示：旬调度会议决定"),
           (TaskSource.plan, "演示：计划举措分解"), (TaskSource.assessment, "演示：季度考核情况说明")]


# --- the demo stories ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Story:
    """How one demo task's history goes; `light` is for open tasks, `late`/`in_xun` for completed ones."""

    kind: str  # assigned, accepted, in_progress, completion_requested, completed, cancelled
    light: str = "green"
    late: bool = False
    in_xun: bool = False
    urges: int = 0
    extension: str | None = None  # approved, pending, refused
    co_follow_ups: bool = False
    stale: bool = False  # no lead follow-up since the previous 旬 began
    returned: bool = False  # a completion request sent back once
    by_leader: bool = False  # assigned by the vice mayor of the lead unit's portfolio


# Every vice mayor with a demo account gets one task in every light of the dispatch list.
LEADER_STORIES = [
    Story("in_progress", "red", urges=2, co_follow_ups=True),
    Story("in_progress", "yellow", by_leader=True),
    Story("in_progress", "green", co_follow_ups=True),
    Story("completed", in_xun=True),
    Story("completed", late=True, in_xun=True),
    Story("in_progress", "red", stale=True, urges=1),
]

MIX = [
    Story("in_progress", "green", co_follow_ups=True), Story("in_progress", "red", urges=2),
    Story("completed"), Story("in_progress", "yellow"), Story("assigned", "green"),
    Story("completed", late=True), Story("in_progress", "green", stale=True),
    Story("completion_requested", "yellow", co_follow_ups=True),
    Story("in_progress", "red", extension="approved", urges=1),
    Story("accepted", "green"), Story("completed", co_follow_ups=True),
    Story("in_progress", "green", extension="pending"),
    Story("cancelled"), Story("in_progress", "red", stale=True, urges=2), Story("completed", in_xun=True),
    Story("assigned", "red", urges=1), Story("in_progress", "yellow", co_follow_ups=True, extension="pending"),
    Story("completed", late=True, returned=True), Story("in_progress", "green", extension="refused"),
    Story("completion_requested", "red"), Story("accepted", "yellow"), Story("completed", extension="approved"),
    Story("in_progress", "green"), Story("completed", late=True, in_xun=True), Story("assigned", "yellow"),
    Story("in_progress", "red"), Story("completion_requested", "green", returned=True), Story("completed"),
    Story("in_progress", "green", co_follow_ups=True, stale=True), Story("cancelled"),
    Story("in_progress", "yellow", urges=1), Story("completed", co_follow_ups=True, late=True),
]

@dataclass
class _Step:
    day: date
    action: str
    args: dict


class _Calendar:
    """Day arithmetic for the stories: working days, and never later than today."""

    def __init__(self, today):
        self.today = today
        self.cal = get_calendar()
        window = light_window(today)
        self.yellow_limit = window.yellow_limit
        xun = Xun.of(today)
        self.xun_start = xun.start
        self.previous_xun_start = xun.previous().start

    def back(self, day):
        """The working day on or before `day`."""
        return day if self.cal.is_workday(day) else self.cal.previous_workday(day)

    def forward(self, day):
        return day if self.cal.is_workday(day) else self.cal.next_workday(day)

    def past(self, day):
        return min(day, self.today)

    def workdays(self, first, last):
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        return [d for d in days if self.cal.is_workday(d)] or days


def _days(rng, first, last, n):
    """n sorted days in [first, last] (all `first` when the range is empty)."""
    span = max(0, (last - first).days)
    return sorted(first + timedelta(days=rng.randint(0, span)) for _ in range(n))


def _due_for_light(story, c, rng):
    t = c.today
    if story.light == "red":
        return c.back(t - timedelta(days=rng.randint(1, 30)))
    if story.light == "yellow":
        return rng.choice(c.workdays(t, c.yellow_limit))
    return c.forward(c.yellow_limit + timedelta(days=rng.randint(2, 50)))


def _plan_story(story, c: _Calendar, rng, has_co_writers):
    """The dated steps of one story, in the order they happen."""
    t = c.today
    steps = []

    def step(day, action, **args):
        steps.append(_Step(c.past(day), action, args))

    # --- the dates: effective due date D, original due date D0, assignment A, acceptance
    if story.kind == "completed":
        if story.in_xun:
            done = rng.choice(c.workdays(c.xun_start, t))
        else:
            done = c.back(t - timedelta(days=rng.randint(15, 150)))
        due = c.back(done - timedelta(days=rng.randint(2, 20))) if story.late else \
            c.forward(done + timedelta(days=rng.randint(0, 20)))
        assigned = c.back(min(done, due) - timedelta(days=rng.randint(20, 50)))
    elif story.kind == "cancelled":
        cancelled_on = c.back(t - timedelta(days=rng.randint(3, 60)))
        assigned = c.back(cancelled_on - timedelta(days=rng.randint(10, 30)))
        due = c.forward(assigned + timedelta(days=rng.randint(20, 60)))
    else:
        due = _due_for_light(story, c, rng)
        if story.stale:
            assigned = c.back(min(c.previous_xun_start - timedelta(days=rng.randint(8, 40)), due - timedelta(days=5)))
        elif story.kind == "assigned" and story.light != "red":
            assigned = c.back(t - timedelta(days=rng.randint(0, 6)))
        else:
            assigned = c.back(min(t - timedelta(days=rng.randint(12, 45)), due - timedelta(days=7)))
    original_due = due
    if story.extension == "approved":
        original_due = c.back(due - timedelta(days=rng.randint(10, 25)))
        if original_due < assigned + timedelta(days=3):
            assigned = c.back(original_due - timedelta(days=15))
    accepted = c.past(assigned + timedelta(days=rng.randint(0, 2)))
    if story.stale:
        accepted = min(accepted, c.previous_xun_start - timedelta(days=2))

    step(assigned, "assign", due=original_due)
    if story.kind == "assigned":
        _plan_urges(story, c, rng, step, due, assigned)
        return steps
    if story.kind == "cancelled":
        if rng.random() < 0.6:
            step(accepted, "accept")
            step(min(accepted + timedelta(days=3), cancelled_on), "follow_up", percent=10)
        step(cancelled_on, "cancel")
        return steps
    step(accepted, "accept")

    # --- when the lead unit stops reporting: the completion request, or today
    if story.kind == "completed":
        request_day = c.past(done + timedelta(days=rng.randint(0, 2)))
        last_report = done
    elif story.kind == "completion_requested":
        request_day = max(accepted + timedelta(days=2), c.back(t - timedelta(days=rng.randint(0, 4))))
        request_day = c.past(request_day)
        done = max(accepted, request_day - timedelta(days=rng.randint(0, 1)))
        last_report = request_day
    else:
        request_day = None
        last_report = t

    if story.extension in ("approved", "refused"):
        ask = _days(rng, accepted, min(original_due, last_report) - timedelta(days=1), 1)[0]
        new_due = due if story.extension == "approved" else c.forward(due + timedelta(days=15))
        step(ask, "request_extension", new_due=new_due)
        step(min(ask + timedelta(days=rng.randint(1, 2)), last_report), "decide_extension",
             approve=story.extension == "approved")

    if story.kind != "accepted":
        returned_window = None
        if story.returned and request_day is not None and (last_report - accepted).days >= 6:
            first_request = accepted + timedelta(days=rng.randint(2, (last_report - accepted).days - 3))
            returned_window = (first_request, first_request + timedelta(days=1))
        if story.stale:
            lead_days = _days(rng, accepted, c.previous_xun_start - timedelta(days=1), rng.randint(1, 2))
        else:
            recent_from = max(c.previous_xun_start, accepted)
            lead_days = _days(rng, accepted, last_report, rng.randint(0, 2)) + \
                _days(rng, recent_from, last_report, 1)
            if story.kind == "completed":
                lead_days = _days(rng, accepted, last_report, rng.randint(1, 3))
        if returned_window:
            lead_days = [d for d in lead_days if not returned_window[0] <= d <= returned_window[1]]
            lead_days.append(min(returned_window[1] + timedelta(days=1), last_report))
            lead_days.append(returned_window[0] - timedelta(days=1))
        lead_days.sort()
        for i, day in enumerate(lead_days):
            percent = min(95, 20 + 75 * (i + 1) // (len(lead_days) + 1))
            step(day, "follow_up", percent=percent, index=i)
        if returned_window:
            step(returned_window[0], "request_completion", completed_on=returned_window[0])
            step(returned_window[1], "return")
        if story.co_follow_ups and has_co_writers:
            end = t if story.kind != "completed" else request_day
            for day in _days(rng, accepted, end, rng.randint(1, 3)):
                step(day, "co_follow_up")

    if story.extension == "pending":
        ask = max(accepted, c.back(t - timedelta(days=rng.randint(0, 4))))
        step(ask, "request_extension", new_due=c.forward(max(due, t) + timedelta(days=rng.randint(10, 30))))

    if story.kind == "completed" and story.late:
        _plan_urges(story, c, rng, step, due, assigned, until=request_day - timedelta(days=1))
    elif story.kind != "completed":
        _plan_urges(story, c, rng, step, due, assigned)

    if story.kind in ("completed", "completion_requested"):
        step(request_day, "request_completion", completed_on=done)
    if story.kind == "completed":
        step(request_day + timedelta(days=rng.randint(0, 2)), "approve")
    steps.sort(key=lambda s: s.day)  # stable: same-day steps keep their logical order
    return steps


def _plan_urges(story, c, rng, step, due, assigned, until=None):
    until = until or c.today
    if not story.urges:
        return
    first = max(due + timedelta(days=1), assigned) if due < c.today else max(assigned, c.today - timedelta(days=3))
    if first > until:
        return
    for level, day in enumerate(_days(rng, first, until, story.urges), start=1):
        step(day, "urge", level=level)


def _moment(day, index, today, now_local, tz):
    """A plausible office-hours time for the `index`-th step on `day`, never after now."""
    at = datetime.combine(day, clock_time(8, 30), tzinfo=tz) + timedelta(minutes=23 * index)
    if day >= today:
        start = datetime.combine(today, clock_time(0, 0), tzinfo=tz)
        latest = now_local - timedelta(minutes=1)
        if at > latest:
            at = max(start, latest - timedelta(seconds=max(0, 20 - index)))
    return at


def demo_tasks_exist():
    return db.session.scalar(sa.select(Task.id).where(Task.source_ref.like(DEMO_REF + "%")).limit(1)) is not None


def seed_demo_tasks(today: date):
    """About 150 demo tasks in every state and light on `today` (idempotent: nothing if demo tasks exist)."""
    created = {"tasks": 0, "follow_ups": 0, "users": 0}
    if demo_tasks_exist():
        return created
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    clock = current_app.extensions["clock"]
    now_local = clock.local_now() if clock.today() == today else \
        datetime.combine(today, clock_time(18, 0), tzinfo=tz)
    c = _Calendar(today)
    rng = random.Random(20220317)

    units = {u.name: u for u in db.session.scalars(sa.select(Unit))}
    by_short = {u.short_name: u for u in units.values()} | units
    plans = {p.code: p for p in db.session.scalars(sa.select(Plan))}
    users = {u.username: u for u in db.session.scalars(sa.select(User).where(User.is_active_account))}
    admin = users["admin"]
    leaders = {}  # username -> (user, ids of the units in the portfolio)
    for username in ("fushizhang", "fushizhang2"):
        leader = users.get(username)
        if leader is not None and leader.person is not None:
            leaders[username] = (leader, {units[n].id for n in PORTFOLIOS.get(leader.person.name, ()) if n in units})

    # The catalogue: (plan, lead, co-units, title), then a story for each.
    catalogue = [(plans[code], by_short[lead], [by_short[n] for n in co], title)
                 for code, rows in TEMPLATES.items() for lead, co, title in rows]
    stories = [None] * len(catalogue)
    for _, (leader, portfolio) in sorted(leaders.items()):
        candidates = [i for i, item in enumerate(catalogue) if item[1].id in portfolio and stories[i] is None]
        seen = Counter()
        rank = {}
        for i in candidates:  # spread the stories over the portfolio's units
            rank[i] = seen[catalogue[i][1].id]
            seen[catalogue[i][1].id] += 1
        candidates.sort(key=lambda i: (rank[i], i))
        for story, index in zip(LEADER_STORIES, candidates, strict=False):
            stories[index] = (story, leader if story.by_leader else None)
    rest = [i for i in range(len(catalogue)) if stories[i] is None]
    rng.shuffle(rest)
    for n, index in enumerate(rest):
        stories[index] = (MIX[n % len(MIX)], None)

    staff = _demo_staff(catalogue, stories, users, created)
    with frozen_clock() as frozen:
        for i, ((plan, lead, co_units, title), (story, by_leader)) in enumerate(zip(catalogue, stories, strict=True)):
            assigner = by_leader or admin
            writers = [staff[u.id] for u in co_units if u.id in staff]
            steps = _plan_story(story, c, rng, bool(writers))
            task = None
            per_day = Counter()
            for step in steps:
                index = per_day[step.day]
                per_day[step.day] += 1
                frozen.set(_moment(step.day, index + i % 5, today, now_local, tz))
                task = _perform(step, task, plan, lead, co_units, title, assigner, admin, staff, writers, leaders,
                                rng, created, i)
                db.session.flush()  # while the clock still shows this step's moment (assign_task leaves rows pending)
            created["tasks"] += 1
    db.session.flush()
    log.info("demo tasks created: %s", created)
    return created


def _demo_staff(catalogue, stories, users, created):
    """{unit id: a staff user}: the existing ones, and `u<unit id>` for each lead unit that must act."""
    staff = {}
    for user in sorted(users.values(), key=lambda u: u.id):
        if user.role is Role.staff and user.unit_id is not None:
            staff.setdefault(user.unit_id, user)
    needed = {}
    for (_, lead, _, _), (story, _) in zip(catalogue, stories, strict=True):
        if story.kind != "assigned":
            needed[lead.id] = lead
    for unit_id, unit in sorted(needed.items()):
        if unit_id in staff:
            continue
        username = f"u{unit_id}"
        user = users.get(username)
        if user is None:
            user = create_user(None, username, f"{unit.short_name}联络员", DEMO_PASSWORD, Role.staff, unit,
                               allow_demo_password=True)
            created["users"] += 1
        staff[unit_id] = user
    return staff


def _perform(step, task, plan, lead, co_units, title, assigner, admin, staff, writers, leaders, rng, created, i):
    """Run one step through the service that a person would use on that day."""
    day, args = step.day, step.args
    code = plan.code
    decider = assigner  # the office, or the leader who assigned it, decides
    if step.action == "assign":
        source, ref = (TaskSource.instruction, f"演示：副市长{assigner.person.name}批示") if assigner is not admin \
            else SOURCES[i % len(SOURCES)]
        content = (f"按照《湘潭市产业强市“千百十”工程实施方案》{plan.label}的要求，由{lead.short_name}牵头"
                   + (f"，{'、'.join(u.short_name for u in co_units)}配合" if co_units else "")
                   + f"，{title}。请按时限完成，每旬至少反馈一次进展。")
        return services.assign_task(
            assigner, title=title, lead_unit=lead, due_on=args["due"], today=day, content=content,
            co_units=co_units, source=source, plan=plan, source_ref=ref,
            priority=TaskPriority.key if i % 3 == 0 else TaskPriority.normal)
    lead_staff = staff.get(lead.id)
    if step.action == "accept":
        services.accept_task(lead_staff, task)
    elif step.action == "follow_up":
        texts = PROGRESS[code]
        text = texts[min(args.get("index", 0), len(texts) - 1)]
        services.record_follow_up(lead_staff, task, text, args["percent"], day)
        created["follow_ups"] += 1
    elif step.action == "co_follow_up":
        writer = writers[rng.randrange(len(writers))]
        services.record_follow_up(writer, task, rng.choice(CO_PROGRESS), rng.choice((30, 50, 80, 100)), day)
        created["follow_ups"] += 1
    elif step.action == "request_extension":
        services.request_extension(lead_staff, task, args["new_due"], rng.choice(EXTENSION_REASONS), day)
    elif step.action == "decide_extension":
        note = "同意延期，请按新时限完成" if args["approve"] else "理由不充分，请按原时限完成"
        services.decide_extension(decider, task, args["approve"], note)
    elif step.action == "urge":
        level = args["level"]
        urger = decider
        for leader, portfolio in leaders.values():
            if lead.id in portfolio and level == 2:
                urger = leader
        services.urge_task(urger, task, level, URGE_NOTES[level], day, confirmed=True)
    elif step.action == "request_completion":
        services.request_completion(lead_staff, task, args["completed_on"], rng.choice(SUMMARIES), day)
    elif step.action == "return":
        services.return_task(decider, task, rng.choice(RETURN_NOTES))
    elif step.action == "approve":
        services.approve_completion(decider, task, "经核实，同意办结")
    elif step.action == "cancel":
        services.cancel_task(decider, task, rng.choice(CANCEL_REASONS))
    else:  # pragma: no cover - a typo in a story
        raise ValueError(step.action)
    return task
