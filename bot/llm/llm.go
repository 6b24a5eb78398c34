// Package llm adapts any OpenAI-compatible chat and embeddings API (OpenAI,
// Azure's OpenAI-compatible endpoints, vLLM, Ollama, LM Studio…) to bot.LLM,
// through github.com/sashabaranov/go-openai. The bot decides what to trust; this
// package only speaks the wire protocol.
package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/gridline/gridline/bot"
)

// Config says which endpoint and models to use.
type Config struct {
	// BaseURL is the API root including its version path, e.g.
	// "https://api.openai.com/v1" or "http://localhost:11434/v1".
	BaseURL string
	// APIKey is sent as a bearer token; local servers often need none.
	APIKey string
	// Model is the chat model.
	Model string
	// EmbeddingModel is the embeddings model; empty means Embed is not available
	// and returns an error.
	EmbeddingModel string
	// Timeout caps one call, streaming included; zero means 30 s. The bot sets
	// its own, shorter limits per answer.
	Timeout time.Duration
}

// Client is an OpenAI-compatible model. It is safe for concurrent use.
type Client struct {
	api     *openai.Client
	model   string
	embed   string
	timeout time.Duration
}

var _ bot.LLM = (*Client)(nil)

// New returns a client for cfg. It does not contact the endpoint.
func New(cfg Config) *Client {
	oc := openai.DefaultConfig(cfg.APIKey)
	if cfg.BaseURL != "" {
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	}
	// A client of its own, so that idle connections are kept for this endpoint;
	// the per-call context bounds every request.
	oc.HTTPClient = &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	return &Client{api: openai.NewClientWithConfig(oc), model: cfg.Model, embed: cfg.EmbeddingModel, timeout: timeout}
}

// Temperature of answers: low, because the bot wants the articles restated, not
// new prose.
const temperature = 0.2

// Chat sends msgs to the chat model. With onDelta it streams
// (CreateChatCompletionStream) and calls onDelta with every non-empty piece of
// content; without, it makes one CreateChatCompletion call. It returns the whole
// reply. Errors wrap the API's, including its HTTP status (*openai.APIError or
// *openai.RequestError).
func (c *Client) Chat(ctx context.Context, msgs []bot.ChatMessage, onDelta func(string)) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req := openai.ChatCompletionRequest{Model: c.model, Temperature: temperature}
	for _, m := range msgs {
		req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
	}
	if onDelta == nil {
		resp, err := c.api.CreateChatCompletion(ctx, req)
		if err != nil {
			return "", fmt.Errorf("llm: chat: %w", err)
		}
		if len(resp.Choices) == 0 {
			return "", errors.New("llm: chat: no choices in the response")
		}
		return resp.Choices[0].Message.Content, nil
	}
	req.Stream = true
	stream, err := c.api.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return "", fmt.Errorf("llm: chat stream: %w", err)
	}
	defer stream.Close()
	var out strings.Builder
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return out.String(), nil
		}
		if err != nil {
			if ctx.Err() != nil {
				err = fmt.Errorf("%w: %w", ctx.Err(), err)
			}
			return out.String(), fmt.Errorf("llm: chat stream: %w", err)
		}
		for _, ch := range resp.Choices {
			if ch.Index != 0 || ch.Delta.Content == "" {
				continue
			}
			out.WriteString(ch.Delta.Content)
			onDelta(ch.Delta.Content)
		}
	}
}

// Embed returns one vector per text from the embeddings model, in the order of
// texts.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if c.embed == "" {
		return nil, errors.New("llm: embed: no embedding model configured")
	}
	if len(texts) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.api.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Input: texts, Model: openai.EmbeddingModel(c.embed)})
	if err != nil {
		return nil, fmt.Errorf("llm: embed: %w", err)
	}
	if len(resp.Data) != len(texts) {
		return nil, fmt.Errorf("llm: embed: %d vectors for %d texts", len(resp.Data), len(texts))
	}
	out := make([][]float32, len(texts))
	for _, d := range resp.Data {
		if d.Index < 0 || d.Index >= len(texts) || out[d.Index] != nil {
			return nil, fmt.Errorf("llm: embed: bad index %d in the response", d.Index)
		}
		out[d.Index] = d.Embedding
	}
	return out, nil
}
