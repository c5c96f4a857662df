// Package notify sends security notifications to Slack incoming webhooks
// as Block Kit messages: Security Hub findings, AWS Config compliance
// changes and GuardDuty findings, batched to Slack's limits, de-duplicated
// across bursts, and sent with retries. The webhook URL is a secret: it
// never appears in logs or errors.
package notify

import (
	"strings"

	"github.com/secops-dev/secops/pkg/findings"
)

// Slack limits (https://api.slack.com/reference/block-kit/blocks).
const (
	MaxBlocksPerMessage = 50
	maxSectionText      = 3000
	maxFieldText        = 2000
	maxHeaderText       = 150
	maxContextText      = 3000
)

// Message is an incoming-webhook payload. Text is the notification
// fallback; Blocks carry the layout.
type Message struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks,omitempty"`
}

// Block is one Block Kit layout block (header, section, context, divider).
type Block struct {
	Type     string       `json:"type"`
	Text     *TextObject  `json:"text,omitempty"`
	Fields   []TextObject `json:"fields,omitempty"`
	Elements []TextObject `json:"elements,omitempty"`
}

// TextObject is a Block Kit text object.
type TextObject struct {
	Type  string `json:"type"` // "mrkdwn" or "plain_text"
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

func header(text string) Block {
	return Block{Type: "header", Text: &TextObject{Type: "plain_text", Text: findings.Truncate(text, maxHeaderText), Emoji: true}}
}

func section(text string, fields ...string) Block {
	b := Block{Type: "section", Text: &TextObject{Type: "mrkdwn", Text: findings.Truncate(text, maxSectionText)}}
	for _, f := range fields {
		b.Fields = append(b.Fields, TextObject{Type: "mrkdwn", Text: findings.Truncate(f, maxFieldText)})
	}
	return b
}

func contextBlock(text string) Block {
	return Block{Type: "context", Elements: []TextObject{{Type: "mrkdwn", Text: findings.Truncate(text, maxContextText)}}}
}

func divider() Block { return Block{Type: "divider"} }

// escape makes text safe for mrkdwn: Slack wants &, < and > escaped.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// link renders <url|label>; the label may not contain "|" or ">".
func link(url, label string) string {
	if url == "" {
		return escape(label)
	}
	label = strings.ReplaceAll(escape(label), "|", "¦")
	return "<" + strings.NewReplacer("<", "%3C", ">", "%3E", "|", "%7C", " ", "%20").Replace(url) + "|" + label + ">"
}
