// Package gridline holds the shared nouns of the Gridline customer-service desk —
// customers, conversations, messages, users, articles, requests — and the storage
// seam that every implementation (SQLite, PostgreSQL) satisfies. It imports only
// the standard library; behaviour lives in bot, knowledge and handoff, adapters in
// store and handoff/redis, transport in server, wiring in cmd/gridline.
package gridline

import (
	"crypto/rand"
	"encoding/hex"
)

// NewID returns a random, unguessable identifier (128 bits, hex).
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b[:])
}

// Skills name the queues conversations wait in and agents serve.
const (
	SkillBilling    = "billing"
	SkillRepair     = "repair"
	SkillConnection = "connection"
	SkillComplaint  = "complaint"
	SkillGeneral    = "general"
)

// Skills lists every skill, in display order.
var Skills = []string{SkillBilling, SkillRepair, SkillConnection, SkillComplaint, SkillGeneral}
