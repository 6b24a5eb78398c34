package bot

import "github.com/gridline/gridline"

// text is one thing the bot says, in English and Chinese. Every sentence the bot
// writes itself (not taken from an article) lives in the table below, so that the
// two languages stay side by side and in step.
type text struct{ en, zh string }

func (t text) in(lang string) string {
	if lang == gridline.LangZH {
		return t.zh
	}
	return t.en
}

var texts = map[string]text{
	"greet": {
		"Hello, I'm the power company's 24-hour assistant. Ask me anything about your electricity service, or pick a topic below. If there is danger — a fallen wire, sparks, smoke or fire — keep away and tell me at once.",
		"您好，我是供电公司的24小时智能客服。您可以直接提问，或选择下面的服务。如遇电线落地、打火、冒烟、起火等危险情况，请立即远离并马上告诉我。",
	},
	"menu.main":      {"Main menu", "主菜单"},
	"menu.outage":    {"Power outage", "停电信息"},
	"menu.fault":     {"Report a fault", "故障报修"},
	"menu.billing":   {"Bills & payment", "电费与缴费"},
	"menu.apply":     {"Applications", "业务办理"},
	"menu.complaint": {"Make a complaint", "投诉建议"},
	"menu.human":     {"Talk to a person", "转人工客服"},
	"menu.again": {
		"What else can I help you with? Ask a question or pick a topic.",
		"还有什么可以帮您？请直接提问或选择服务。",
	},
	"thanks":        {"You're welcome. Is there anything else I can help with?", "不客气，还有什么可以帮您？"},
	"smalltalk.ack": {"😊 Is there anything else I can help you with?", "😊 还有什么可以帮您的吗？"},
	"bye":           {"Thank you for contacting us. Goodbye!", "感谢您的咨询，再见！"},
	"menu.unknown": {
		"Sorry, that option is no longer available. Here is the main menu.",
		"抱歉，该选项已失效，请重新选择。",
	},

	// Safety.
	"danger.intro": {
		"This may be dangerous. Please do this now:",
		"这可能有危险，请立即按以下方法处理：",
	},
	"danger.line": {
		"Stay at least 10 metres (about 33 feet) away from the wire or pole and anything it touches (fences, puddles, cars), and keep others away. Never touch it or try to move it, even with a stick — assume it is live.",
		"请与电线、电杆及其接触的物体（围栏、积水、车辆）保持至少10米距离，并劝离他人。不要触碰或挪动电线，也不要用木棍挑，一律按带电处理。",
	},
	"danger.shock": {
		"Do not touch anyone who is still in contact with electricity. If you can do it safely, switch off the main switch or breaker first. Call 120 for an ambulance if someone was hurt, even if they seem fine.",
		"不要直接接触仍与电源接触的人。在确保自身安全的前提下先断开总开关（总闸）。如有人受伤，即使看起来无碍，也请立即拨打120。",
	},
	"danger.fire": {
		"Leave the building or area and call 119 (fire). Never use water on an electrical fire. Only switch off the main switch if you can reach it without danger.",
		"请立即撤离并拨打119火警电话。电气火灾切勿用水扑救。只有在安全可及的情况下才去断开总开关。",
	},
	"danger.heat": {
		"If you can reach it safely, switch off the main switch or breaker and unplug appliances nearby. Do not touch the smoking or sparking equipment and do not switch it back on. Keep children and pets away. If it catches fire, leave and call 119.",
		"如能安全操作，请断开总开关并拔下附近电器插头。不要触碰正在冒烟或打火的设备，也不要重新合闸。让儿童和宠物远离。如已起火，请立即撤离并拨打119。",
	},
	"danger.flood": {
		"Do not step into water near electrical equipment and do not touch switches, sockets or the meter with wet hands. Switch off the main switch only if you can reach it from a dry place.",
		"不要进入电气设备附近的积水，不要用湿手触碰开关、插座或电表。只有在干燥、安全的位置才可以断开总开关。",
	},
	"danger.handoff": {
		"I have marked this as urgent and am connecting you to our repair team now. Please tell them where you are (address or landmark) and a phone number.",
		"我已将此情况标记为紧急，正在为您转接抢修人员。请告诉他们具体位置（地址或标志性建筑）和联系电话。",
	},

	// A person.
	"human": {
		"Of course. I'm connecting you to a member of our customer service team; please stay in this chat.",
		"好的，正在为您转接人工客服，请不要离开本对话。",
	},
	"identity": {
		"I'm the power company's automated assistant, not a person. I can answer most questions right away, and I can connect you to a person whenever you like.",
		"我是供电公司的智能客服机器人，不是真人。大部分问题我可以马上解答，如有需要也可以随时为您转接人工客服。",
	},
	"complaint": {
		"I'm sorry about your experience. Complaints are handled by our staff, so I'm passing you to a colleague who will listen and follow it up. You may describe what happened while you wait.",
		"非常抱歉给您带来不好的体验。投诉由专人受理，我正在为您转接工作人员跟进处理，等待期间您可以先描述事情经过。",
	},

	// Outage flow.
	"outage.ask": {
		"Sorry your power is off. Are your neighbours or the street lights off too, or is it only your home?",
		"很抱歉给您带来不便。请问邻居家或路灯也停电了吗，还是只有您家停电？",
	},
	"outage.neighbours": {"Neighbours are off too", "邻居也停了"},
	"outage.onlyme":     {"Only my home", "只有我家停电"},
	"outage.notsure":    {"Not sure", "不确定"},
	"outage.area": {
		"If the whole area is off, it is a network outage or a planned outage, and our crews are usually already working on it. Please keep away from any fallen wires and switch off sensitive appliances so that they are not damaged when power returns. You can check planned outage notices below, or report the fault so we can confirm your address is included.",
		"如果整片区域都停电，通常是线路故障或计划停电，抢修人员一般已在处理。请远离任何落地电线，并关闭精密电器，以免来电时受损。您可以查看下方的停电公告，或进行故障报修以便我们确认您的地址已在抢修范围内。",
	},
	"outage.home": {
		"If only your home is off, please check:\n1. Your main switch or breaker: if it has tripped, unplug your appliances and switch it back on. If it trips again at once, leave it off and call an electrician — the fault is in your home's wiring or an appliance.\n2. Your meter: a prepaid meter may have run out of credit, and an unpaid bill can lead to disconnection.\n3. If the switch is on and the meter shows no power, the fault may be on our side: report it and we will send a crew.",
		"如果只有您家停电，请检查：\n1. 家中总开关（空开/漏电开关）：如已跳闸，请拔下电器插头后重新合闸；如合闸后立即再次跳闸，请保持断开并联系电工，故障在户内线路或电器。\n2. 电表：预付费电表可能余额不足，欠费也可能导致停电。\n3. 如开关正常、电表无电，可能是供电线路故障，请报修，我们将安排抢修人员。",
	},
	"outage.report":   {"Report the fault", "我要报修"},
	"outage.notices":  {"Planned outage notices", "停电公告"},
	"outage.checkpay": {"Check balance / pay", "查询余额/缴费"},

	// Fault report flow.
	"fault.ask": {
		"I'll take your fault report. Please send the full address where the power is off (district, street, building and unit) and a phone number we can reach you on. You can send both in one message.",
		"好的，为您登记故障报修。请提供停电的详细地址（区、街道、小区、楼栋单元门牌号）和联系电话，可在一条消息里一起发送。",
	},
	"fault.ask.address": {
		"Thanks. What is the full address where the power is off (district, street, building and unit)?",
		"谢谢。请问停电的详细地址是？（区、街道、小区、楼栋单元门牌号）",
	},
	"fault.ask.phone": {
		"Thanks. What phone number can our repair crew reach you on?",
		"谢谢。请留下抢修人员可以联系到您的电话号码。",
	},
	"fault.bad.phone": {
		"That doesn't look like a phone number. Please send a number such as 13812345678 or 020-12345678.",
		"这似乎不是有效的电话号码，请发送如13812345678或020-12345678格式的号码。",
	},
	"fault.bad.address": {
		"Please send a little more of the address — the street and building at least — so the crew can find you.",
		"请补充更详细的地址，至少包括街道和楼栋，方便抢修人员找到您。",
	},
	"fault.done": {
		"Your fault report is recorded:\nAddress: %s\nPhone: %s\nOur repair team will contact you. If you see a fallen wire, sparks or smoke, keep away and tell us at once.",
		"您的报修已登记：\n地址：%s\n电话：%s\n抢修人员将与您联系。如发现电线落地、打火或冒烟，请立即远离并告诉我们。",
	},
	"fault.giveup": {
		"I couldn't take down the details. Let me connect you to a person who can help.",
		"抱歉，未能成功登记信息，我为您转接人工客服。",
	},
	"fault.cancelled": {"The fault report is cancelled.", "已取消报修。"},
	"fault.request":   {"Fault report (no power)\nAddress: %s\nPhone: %s", "故障报修（停电）\n地址：%s\n电话：%s"},
	"fault.detail":    {"\nCustomer said: %s", "\n客户描述：%s"},

	// Submenus.
	"billing.ask":     {"What would you like to know about bills and payment?", "请问您想了解电费与缴费的哪方面？"},
	"billing.balance": {"Check bill / balance", "查询电费/余额"},
	"billing.pay":     {"Ways to pay", "缴费方式"},
	"billing.high":    {"Bill seems too high", "电费异常偏高"},
	"billing.arrears": {"Arrears & reconnection", "欠费与复电"},
	"billing.tariff":  {"Tariffs & prices", "电价标准"},
	"billing.invoice": {"Invoices", "电费发票"},
	"apply.ask":       {"Which application is it about?", "请问您要办理哪项业务？"},
	"apply.new":       {"New connection", "新装用电"},
	"apply.capacity":  {"Change capacity", "增容/减容"},
	"apply.transfer":  {"Transfer / change name", "过户/更名"},
	"apply.solar":     {"Rooftop solar", "屋顶光伏并网"},
	"apply.ev":        {"EV charger", "充电桩报装"},
	"topic.none": {
		"I couldn't find an article on that yet. A person can help you with it.",
		"暂时没有找到相关说明，建议您转人工客服咨询。",
	},

	// Retrieval.
	"source":          {"Source: %s", "来源：%s"},
	"clarify":         {"I'm not sure I understood. Is it one of these?", "我不太确定您的问题，请问是以下哪一项？"},
	"fallback":        {"Sorry, I don't know the answer to that. I can connect you to a person, or you can pick a topic.", "抱歉，这个问题我暂时无法回答。我可以为您转接人工客服，或者您可以选择其他服务。"},
	"outofscope":      {"Sorry, I can only help with questions about your electricity service. I can connect you to a person, or you can pick a topic.", "抱歉，我只能解答与用电服务相关的问题。我可以为您转接人工客服，或者您可以选择其他服务。"},
	"followup.prompt": {"(Earlier question: %s)\n%s", "（上一个问题：%s）\n%s"},
	"confirm.ask":     {"Did this answer your question?", "这个回答解决您的问题了吗？"},
	"answer.yes":      {"Yes", "解决了"},
	"answer.no":       {"No", "没解决"},
	"confirm.yes":     {"Glad I could help. Is there anything else?", "很高兴能帮到您，还有其他问题吗？"},
	"confirm.next":    {"Sorry about that. Perhaps this is closer:", "抱歉，也许这条更接近您的问题："},
	"confirm.human":   {"Sorry I couldn't answer that. I'm connecting you to a member of our team; please stay in this chat.", "抱歉没能解答您的问题，正在为您转接人工客服，请不要离开本对话。"},
	"empty":           {"Please type your question, or pick a topic.", "请输入您的问题，或选择服务。"},
	"article.gone":    {"Sorry, that article is no longer available.", "抱歉，该文章已不可用。"},
}

// say returns the bot's text for key in lang.
func say(lang, key string) string {
	return texts[key].in(lang)
}

// option is a quick reply whose label is the text of the same key.
func option(lang, id string) gridline.QuickReply {
	return gridline.QuickReply{ID: id, Label: say(lang, id)}
}
