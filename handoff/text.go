package handoff

import "github.com/gridline/gridline"

// Keys of what the desk tells customers.
const (
	msgJoined      = "joined"      // %s: the agent's name
	msgTransferred = "transferred" // %s: the team's name
	msgRequeued    = "requeued"
	msgResolved    = "resolved"
)

// texts is the desk's message table, Chinese and English from one place.
var texts = map[string]map[string]string{
	gridline.LangEN: {
		msgJoined:      "%s has joined the conversation.",
		msgTransferred: "We are transferring you to our %s team. Please stay in the chat; the next available agent will continue with you.",
		msgRequeued:    "Your agent has lost their connection. You are back at the front of the queue, and the next available agent will continue with you.",
		msgResolved:    "This conversation has been closed. Thank you for contacting us.",
	},
	gridline.LangZH: {
		msgJoined:      "客服 %s 已加入对话。",
		msgTransferred: "正在为您转接至%s，请不要离开对话，下一位空闲客服将继续为您服务。",
		msgRequeued:    "当前客服连接中断，您已回到队列最前面，下一位空闲客服将继续为您服务。",
		msgResolved:    "本次对话已结束，感谢您的咨询。",
	},
}

// skillNames are the teams' names as customers read them.
var skillNames = map[string]map[string]string{
	gridline.LangEN: {
		gridline.SkillBilling:    "billing",
		gridline.SkillRepair:     "repairs",
		gridline.SkillConnection: "new connections",
		gridline.SkillComplaint:  "complaints",
		gridline.SkillGeneral:    "customer service",
	},
	gridline.LangZH: {
		gridline.SkillBilling:    "电费账务专席",
		gridline.SkillRepair:     "故障报修专席",
		gridline.SkillConnection: "用电业务专席",
		gridline.SkillComplaint:  "投诉专席",
		gridline.SkillGeneral:    "综合服务专席",
	},
}

// text returns the message for key in lang (English for anything but Chinese).
func text(lang, key string) string {
	return texts[gridline.NormalizeLang(lang)][key]
}

// skillName returns the team name of skill in lang.
func skillName(lang, skill string) string {
	if name, ok := skillNames[gridline.NormalizeLang(lang)][skill]; ok {
		return name
	}
	return skill
}
