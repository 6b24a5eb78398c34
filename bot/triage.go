package bot

import (
	"slices"
	"strings"
)

// Danger is a kind of hazard the bot recognises. Each one has its own immediate
// safety advice; a message may raise several.
type Danger string

// Dangers, most specific advice first.
const (
	DangerShock   Danger = "shock" // someone got an electric shock or is touching a live part
	DangerLine    Danger = "line"  // a wire, cable or pole is down, broken or hanging
	DangerFire    Danger = "fire"  // fire, flames, an explosion
	DangerHeat    Danger = "heat"  // sparks, smoke, a burning smell, melting equipment
	DangerFlood   Danger = "flood" // water around meters, boxes, sockets or substations
	dangerUnknown Danger = ""      //
)

// hazard describes one Danger in both languages. It is a lexicon of concepts, not
// of sentences: a message matches when it holds one of Alone, or one of Objects
// together with one of States in the same sentence (a power line + "down"). Unless
// lists contexts that make the words harmless (the cable of a phone charger, the
// "leakage" breaker that trips in every home), checked in the same sentence.
type hazard struct {
	danger  Danger
	alone   []string
	objects []string
	states  []string
	unless  []string
}

// Things on the network side of the meter, which customers must keep away from.
var lineObjects = []string{
	"wire", "wires", "cable", "cables", "power line", "power lines", "powerline*", "electric line*", "electrical line*",
	"electric wire*", "electrical wire*", "electric cable*", "electrical cable*", "power cable*",
	"overhead line*", "overhead cable*", "service line", "service drop", "high voltage", "high-voltage",
	"pole", "poles", "utility pole*", "electricity pole*", "power pole*", "pylon*", "transmission line*",
	"电线", "电缆", "高压线", "输电线", "电力线", "导线", "进户线", "电线杆", "电杆", "线杆", "电塔", "铁塔", "变压器",
}

// Equipment that carries current at a customer's home or in the street.
var equipmentObjects = append([]string{
	"meter", "meters", "meter box", "fuse box", "breaker box", "breaker panel", "panel", "switchboard",
	"consumer unit", "socket*", "outlet*", "plug", "transformer*", "substation*", "junction box",
	"distribution box", "cabinet", "wiring", "switch", "light fitting*", "light fixture*", "ceiling light*",
	"灯具", "吊灯", "灯座",
	"电表", "电能表", "表箱", "电箱", "配电箱", "配电柜", "配电房", "配电室", "箱变", "开关", "电闸", "闸刀", "插座", "插头", "线路",
}, lineObjects...)

// Cords and lines that are not the utility's: a loose TV cable is not an emergency.
var applianceContexts = []string{
	"tv", "television", "phone", "charger", "charging cable", "usb", "computer", "laptop", "headphone*",
	"earphone*", "internet", "network cable", "ethernet", "broadband", "telephone", "router", "speaker",
	"电视", "手机", "充电器", "充电线", "数据线", "耳机", "网线", "电话线", "宽带", "路由器", "电脑", "音箱",
}

// A bill that "shocked" the customer or "exploded" is a figure of speech.
var moneyContexts = []string{"bill", "bills", "price", "prices", "cost", "costs", "charge", "charges", "amount", "tariff",
	"电费", "账单", "价格", "费用", "电价"}

var hazards = []hazard{
	{
		danger: DangerShock,
		alone: []string{
			"electric shock", "electrical shock", "electrocut*", "stuck to the wire",
			"触电", "被电到", "被电击", "被电了", "电到了", "电到人", "电着了", "电击", "麻手", "被电打",
		},
	},
	{
		// Words that also describe a bill that came as a shock.
		danger: DangerShock,
		alone: []string{
			"got shocked", "get shocked", "getting shocked", "been shocked", "was shocked by", "were shocked by",
			"shocked me", "shocked him", "shocked her", "shocked my", "got a shock", "gets a shock", "getting a shock", "tingling from",
			"zapped", "got a jolt", "gave me a jolt",
		},
		unless: moneyContexts,
	},
	{
		// Someone in contact with a line.
		danger:  DangerShock,
		objects: lineObjects,
		states: []string{
			"touched", "touching", "touches", "grabbed", "holding", "climbed", "climbing", "kite",
			"碰到", "碰了", "摸到", "摸了", "触碰", "抓着", "抓住", "爬上", "挂在", "挂到", "风筝",
		},
		unless: applianceContexts,
	},
	{
		danger: DangerLine,
		alone: []string{
			"downed line*", "downed wire*", "downed power*", "live wire*", "exposed wire*", "bare wire*",
			"断线落地", "电线落地", "线掉地上", "裸露的电线", "电线裸露", "高压线断", "电线断了", "电线掉了",
		},
		objects: lineObjects,
		states: []string{
			"down", "fallen", "fell", "falling", "on the ground", "in the road", "on the road", "snapped",
			"broken", "broke", "hanging", "dangling", "sagging", "lying", "knocked", "hit", "crashed", "exposed", "bare",
			"掉了", "掉下", "掉在", "掉到", "掉落", "掉地", "断了", "断掉", "断裂", "断落", "刮断", "拉断", "扯断", "压断", "砸断", "烧断",
			"落地", "垂下", "垂到", "下垂", "倒了", "倒在", "倒下", "刮倒", "撞倒", "压倒", "拖地", "耷拉", "搭在", "压在", "撞", "裸露", "露出",
		},
		unless: applianceContexts,
	},
	{
		danger: DangerFire,
		alone: []string{
			"on fire", "caught fire", "catching fire", "flame", "flames", "flaming", "blaze", "ablaze",
			"着火", "起火", "失火", "火灾", "火苗", "明火", "烧起来", "冒火",
		},
		unless: []string{"fire alarm test", "fire drill", "火警演练"},
	},
	{
		// Words that also describe a bill that "exploded".
		danger: DangerFire,
		alone:  []string{"fire", "fires", "explosion", "explod*", "blew up", "blown up", "bang and", "爆炸", "炸了", "爆了"},
		unless: append([]string{"fire alarm test", "fire drill", "火警演练"}, moneyContexts...),
	},
	{
		danger: DangerHeat,
		alone: []string{
			"spark", "sparks", "sparking", "sparked", "arcing", "arc flash", "smoke", "smoking", "smoky",
			"burning smell", "smell of burning", "smells burnt", "smell burnt", "smells like burning",
			"smell something burning", "smells of burning", "scorch*", "melting", "melted", "sizzling", "buzzing loudly",
			"火花", "火星", "打火", "电弧", "冒烟", "烟雾", "冒黑烟", "烧焦", "焦味", "糊味", "焦糊", "烧糊", "烧坏", "烧化", "熔化", "发烫", "烫手", "滋滋",
		},
		unless: []string{"smoking area", "no smoking", "smoke alarm", "smoke detector", "吸烟", "抽烟", "烟感"},
	},
	{
		// Equipment that burns, glows or bursts.
		danger:  DangerHeat,
		objects: equipmentObjects,
		states: []string{
			"burning", "burnt", "burned", "charred", "crackling", "glowing", "very hot", "too hot", "hot to the touch",
			"烧了", "烧黑", "烧着", "烧化", "很烫", "发烫", "烫手", "噼啪", "发红",
		},
		unless: applianceContexts,
	},
	{
		danger:  DangerFire,
		objects: equipmentObjects,
		states:  []string{"blew", "blown", "bang", "boom", "burst", "响了一声", "巨响"},
		unless:  moneyContexts,
	},
	{
		danger:  DangerFlood,
		alone:   []string{"水淹配电", "配电房进水", "配电室进水", "电表进水", "电箱进水", "配电箱进水", "插座进水"},
		objects: equipmentObjects,
		states: []string{
			"flood*", "underwater", "under water", "submerged", "water in", "water on", "water inside",
			"water pouring", "water leaking", "water coming", "dripping", "leaking", "soaked",
			"进水", "被淹", "淹了", "淹没", "泡水", "泡在水", "浸水", "积水", "漏水", "水淹", "渗水", "湿了",
		},
	},
}

// Denials that cancel a danger word directly before it ("no smoke", "没有冒烟").
// The window is short on purpose: when in doubt the bot treats danger as real.
var dangerNegation = negation{
	words:    []string{"no", "not", "never", "without", "isn't", "aren't", "wasn't", "weren't", "don't", "didn't", "doesn't", "nothing"},
	window:   3,
	zh:       []string{"没", "无", "不", "未"},
	zhWindow: 2,
}

// DetectDanger returns the hazards a message describes, each once, in the order
// of the hazard list (most specific advice first). The text is lower-cased first.
func DetectDanger(text string) []Danger {
	t := matchText(text)
	var found []Danger
	for _, h := range hazards {
		if !slices.Contains(found, h.danger) && h.matches(t) {
			found = append(found, h.danger)
		}
	}
	return found
}

func (h hazard) matches(t string) bool {
	for _, s := range sentences(t) {
		if len(h.unless) > 0 && anyTerm(s, h.unless) {
			continue
		}
		if _, ok := firstUnnegated(s, h.alone, dangerNegation); ok {
			return true
		}
		if len(h.objects) > 0 && anyTerm(s, h.objects) {
			if _, ok := firstUnnegated(s, h.states, dangerNegation); ok {
				return true
			}
		}
	}
	return false
}

// Requests for a person. Strong terms say it on their own. Weak ones name a
// person who may just be talked about ("when will your staff come?", "客服电话是
// 多少" — the customer-service phone number) and count only with a verb that
// asks for one ("talk to someone", "联系客服"), or as (almost) the whole message.
var (
	humanTerms = []string{
		"human", "humans", "real person", "actual person", "live person", "real human", "live agent",
		"live chat agent", "agent", "agents", "operator", "representative", "customer service rep*",
		"人工", "转人工", "真人", "活人", "坐席", "人工服务", "人工客服", "找个人", "叫个人", "来个人", "找人", "跟人说", "和人说", "跟人聊",
	}
	humanWeak = []string{
		"person", "someone", "somebody", "anyone", "anybody", "staff", "advisor", "adviser", "customer service",
		"customer support", "support", "manager", "supervisor", "people", "team", "colleague", "a real one",
		"客服", "服务员", "工作人员", "接线员", "领导", "负责人", "经理", "主管",
	}
	humanVerbs = []string{
		"talk", "speak", "chat", "connect me", "put me through", "transfer me", "get me", "call me", "contact", "reach",
		"let me", "escalate", "send me", "give me", "call back", "callback", "ring me",
		"找", "转", "要", "接", "叫", "让", "联系", "说话", "聊", "沟通", "对话", "打电话", "回电", "请",
	}
)

var humanNegation = negation{
	words:    []string{"no", "not", "don't", "dont", "never", "without", "doesn't", "needn't"},
	window:   6,
	zh:       []string{"不要", "不用", "不需要", "不想", "别", "无需", "不必", "没必要", "用不着"},
	zhWindow: 5,
	asking:   true,
}

// Questions about the bot itself ("are you a robot?") are not requests for a
// person; they get an honest answer with the offer of one.
var identityTerms = []string{
	"are you a bot", "are you a robot", "are you human", "are you a human", "are you real", "are you a real person",
	"are you an ai", "is this a bot", "is this a robot", "am i talking to a bot", "am i talking to a robot",
	"am i talking to a human", "am i talking to a person",
	"你是机器人", "你是真人", "你是人吗", "你是ai", "你是不是机器人", "你是不是真人", "是机器人吗", "是真人吗",
}

// AsksIdentity reports whether the message asks whether the bot is a person.
func AsksIdentity(text string) bool {
	return anyTerm(matchText(text), identityTerms)
}

// WantsHuman reports whether the customer asks for a person, and not "I don't
// need a person".
func WantsHuman(text string) bool {
	t := matchText(text)
	if AsksIdentity(t) {
		return false
	}
	if _, ok := firstUnnegated(t, humanTerms, humanNegation); ok {
		return true
	}
	whole := strings.Trim(t, " .!?,~")
	for _, w := range humanWeak {
		for _, o := range findTerm(t, w) {
			if humanNegation.negated(t, o.start) {
				continue
			}
			// "someone please", "客服在吗": the name and a word or two.
			short := len(strings.Fields(whole)) <= 3 && len([]rune(whole)) <= len([]rune(w))+len(" please")
			if !isASCII(w) {
				short = len([]rune(whole)) <= len([]rune(w))+2
			}
			if short || anyTerm(t, humanVerbs) {
				return true
			}
		}
	}
	return false
}

// Complaints always reach a person: the bot must not try to argue or explain.
var complaintTerms = []string{
	"complain*", "complaint*", "grievance", "ombudsman", "regulator", "escalate", "report you", "sue you",
	"terrible service", "awful service", "poor service", "bad service", "worst service", "horrible service",
	"lousy service", "disgraceful", "disgusting", "unacceptable", "outrageous", "ridiculous", "fed up",
	"unhappy", "not happy", "disappointed", "dissatisfied", "third time", "still not fixed", "nobody came", "no one came",
	"nobody fixed", "no one fixed", "waste of time",
	"so angry", "very angry", "furious", "rude", "incompetent", "useless company", "scam", "ripped off", "rip off",
	"投诉", "举报", "差评", "曝光", "维权", "太差", "服务差", "态度差", "态度恶劣", "态度很差", "不满意", "很不满", "极不满",
	"垃圾服务", "垃圾公司", "坑人", "骗子", "欺诈", "乱收费", "气死", "太过分", "12398",
	"太烂", "烂透", "不负责", "没人来修", "没人管", "什么效率", "效率太低", "推诿", "踢皮球", "敷衍", "失望",
}

var complaintNegation = negation{
	words:    []string{"no", "not", "don't", "dont", "never", "isn't", "wasn't", "without"},
	window:   3,
	zh:       []string{"不是", "不想", "不要", "没有", "并非", "无意"},
	zhWindow: 4,
	asking:   true,
}

// IsComplaint reports whether the message complains or asks to complain.
func IsComplaint(text string) bool {
	_, ok := firstUnnegated(matchText(text), complaintTerms, complaintNegation)
	return ok
}

// Attempts to turn the assistant into something else. They are never answered,
// whatever retrieval thinks of the rest of the message.
var injectionTerms = []string{
	"ignore your instruction*", "ignore all instruction*", "ignore the instruction*", "ignore previous",
	"ignore all previous", "ignore the above", "ignore prior", "ignore your rules", "ignore your prompt",
	"ignore everything", "disregard your", "disregard all", "disregard the above", "disregard previous",
	"forget your instruction*", "forget all instruction*", "forget your rules", "forget everything",
	"forget previous", "system prompt", "your prompt", "your instructions", "new instructions",
	"you are now", "from now on you", "act as", "pretend to be", "pretend you are", "roleplay", "role-play",
	"jailbreak*", "developer mode", "dan mode", "do anything now", "reveal your", "print your", "override",
	"忽略", "无视", "忘记你的", "忘掉你的", "忘记之前", "忘记以上", "系统提示", "提示词", "你现在是", "从现在起你",
	"从现在开始你", "扮演", "假装你是", "越狱", "开发者模式", "你的指令", "新的指令", "输出你的", "泄露",
}

// IsInjection reports whether the message tries to change the bot's instructions.
func IsInjection(text string) bool {
	return anyTerm(matchText(text), injectionTerms)
}
