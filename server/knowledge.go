package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/gridline/gridline"
	"github.com/gridline/gridline/bot"
	"github.com/gridline/gridline/knowledge"
)

// knowledgeRoutes registers the knowledge-base API: staff read, admins write.
func (s *Server) knowledgeRoutes(api *echo.Group) {
	// Middleware per route: a group with middleware would also claim every
	// unmatched path under its prefix, turning 404s into 401/403s.
	staff, admin := s.requireRole(), s.requireRole(gridline.RoleAdmin)
	api.GET("/articles", s.listArticles, staff)
	api.GET("/articles/search", s.searchArticles, staff)
	api.GET("/articles/export", s.exportArticles, staff)
	api.GET("/articles/:id", s.getArticle, staff)
	api.GET("/articles/:id/versions", s.articleVersions, staff)
	api.POST("/articles", s.createArticle, admin)
	api.POST("/articles/import", s.importArticles, admin)
	api.PUT("/articles/:id", s.updateArticle, admin)
	api.DELETE("/articles/:id", s.deleteArticle, admin)
	api.POST("/bot/ask", s.askBot, staff, s.rateLimit(5, 30))
	api.GET("/unanswered", s.listUnanswered, staff)
	api.POST("/unanswered/:id/resolve", s.resolveUnanswered, admin)
	s.synonymRoutes(api)
}

// articleInput is an article as clients write it: the knowledge base's own
// rules (knowledge.ArticleInput), plus the version an edit was based on.
type articleInput struct {
	knowledge.ArticleInput
	Version int `json:"version"`
}

// decodeArticle reads one article, defaulting a missing status, and checks it by
// the knowledge base's rules.
func decodeArticle(data []byte, defaultStatus string) (articleInput, error) {
	var in articleInput
	if err := json.Unmarshal(data, &in); err != nil {
		return in, gridline.Errorf(gridline.EINVALID, "not an article object: %s", jsonProblem(err))
	}
	if in.Status == "" {
		in.Status = defaultStatus
	}
	if in.Version < 0 {
		return in, &gridline.Error{Code: gridline.EINVALID, Message: "the article is invalid", Fields: map[string]string{"version": "must be at least 0"}}
	}
	in.ArticleInput = knowledge.InputOf(in.ArticleInput.Article())
	return in, in.ArticleInput.Validate()
}

// bindArticle reads an article from a request body.
func bindArticle(c echo.Context) (articleInput, error) {
	var raw json.RawMessage
	if err := bind(c, &raw); err != nil {
		return articleInput{}, err
	}
	return decodeArticle(raw, gridline.ArticleDraft)
}

func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, gridline.Errorf(gridline.ENOTFOUND, "not found")
	}
	return id, nil
}

func (s *Server) listArticles(c echo.Context) error {
	f := gridline.ArticleFilter{Lang: c.QueryParam("lang"), Status: c.QueryParam("status")}
	as, err := s.cfg.Store.ListArticles(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNilSlice(as))
}

func (s *Server) getArticle(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.cfg.Store.Article(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

func (s *Server) articleVersions(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	vs, err := s.cfg.Store.ArticleVersions(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNilSlice(vs))
}

func (s *Server) createArticle(c echo.Context) error {
	in, err := bindArticle(c)
	if err != nil {
		return err
	}
	a := in.Article()
	if err := s.cfg.Knowledge.Create(c.Request().Context(), a, currentUser(c).Email); err != nil {
		return err
	}
	s.audit(c, currentUser(c).ID, gridline.AuditArticleCreate, gridline.SubjectArticle+strconv.FormatInt(a.ID, 10), a.Slug)
	return c.JSON(http.StatusCreated, a)
}

// updateArticle saves an edit. The client sends the version it edited; if someone
// saved in between, it gets 409 and nothing is overwritten.
func (s *Server) updateArticle(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	in, err := bindArticle(c)
	if err != nil {
		return err
	}
	a := in.Article()
	a.ID = id
	if err := s.cfg.Knowledge.Update(c.Request().Context(), a, in.Version, currentUser(c).Email); err != nil {
		return err
	}
	s.audit(c, currentUser(c).ID, gridline.AuditArticleUpdate, gridline.SubjectArticle+strconv.FormatInt(a.ID, 10),
		fmt.Sprintf("%s v%d", a.Slug, a.Version))
	return c.JSON(http.StatusOK, a)
}

func (s *Server) deleteArticle(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.cfg.Knowledge.Delete(c.Request().Context(), id); err != nil {
		return err
	}
	s.audit(c, currentUser(c).ID, gridline.AuditArticleDelete, gridline.SubjectArticle+strconv.FormatInt(id, 10), "")
	return c.NoContent(http.StatusNoContent)
}

// importArticles upserts a JSON array by slug. Every row is checked first; any bad
// row rejects the whole import, with each problem named "<row>.<field>".
func (s *Server) importArticles(c echo.Context) error {
	var rows []json.RawMessage
	if err := bind(c, &rows); err != nil {
		return err
	}
	if len(rows) == 0 {
		return gridline.Errorf(gridline.EINVALID, "the import is an empty array")
	}
	if len(rows) > 5000 {
		return gridline.Errorf(gridline.ETOOLARGE, "at most 5000 articles per import")
	}
	fields := map[string]string{}
	as := make([]*gridline.Article, 0, len(rows))
	for i, raw := range rows {
		// Imports are usually finished content: published unless they say otherwise.
		in, err := decodeArticle(raw, gridline.ArticlePublished)
		if err != nil {
			var e *gridline.Error
			if errors.As(err, &e) && len(e.Fields) > 0 {
				for f, msg := range e.Fields {
					fields[fmt.Sprintf("%d.%s", i, f)] = msg
				}
			} else {
				fields[strconv.Itoa(i)] = gridline.ErrorMessage(err)
			}
			continue
		}
		as = append(as, in.Article())
	}
	if len(fields) > 0 {
		return &gridline.Error{Code: gridline.EINVALID, Message: fmt.Sprintf("%d problem(s) in the import; nothing was written", len(fields)), Fields: fields}
	}
	ierrs, err := s.cfg.Knowledge.Import(c.Request().Context(), as, currentUser(c).Email)
	if len(ierrs) > 0 {
		for _, ie := range ierrs {
			fields[fmt.Sprintf("%d.%s", ie.Index, ie.Field)] = ie.Message
		}
		return &gridline.Error{Code: gridline.EINVALID, Message: fmt.Sprintf("%d problem(s) in the import; nothing was written", len(ierrs)), Fields: fields}
	}
	if err != nil {
		return err
	}
	s.audit(c, currentUser(c).ID, gridline.AuditArticleImport, "", fmt.Sprintf("%d articles", len(as)))
	return c.JSON(http.StatusOK, map[string]any{"imported": len(as), "articles": as})
}

func (s *Server) exportArticles(c echo.Context) error {
	as, err := s.cfg.Knowledge.Export(c.Request().Context())
	if err != nil {
		return err
	}
	name := "gridline-articles-" + s.now().UTC().Format("20060102") + ".json"
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.JSON(http.StatusOK, nonNilSlice(as))
}

type searchHit struct {
	*gridline.Article
	Score      float64 `json:"score"`
	Confidence float64 `json:"confidence"`
	Snippet    string  `json:"snippet"`
}

func (s *Server) searchArticles(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	if q == "" || len([]rune(q)) > 500 {
		return &gridline.Error{Code: gridline.EINVALID, Message: "q is 1 to 500 characters", Fields: map[string]string{"q": "1 to 500 characters"}}
	}
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	if limit <= 0 || limit > 50 {
		limit = 10
	}
	hits := s.cfg.Knowledge.Search(q, knowledge.SearchOptions{Lang: c.QueryParam("lang"), Limit: limit, IncludeDrafts: true})
	out := make([]searchHit, 0, len(hits))
	for _, h := range hits {
		out = append(out, searchHit{Article: h.Article, Score: h.Score, Confidence: h.Confidence, Snippet: knowledge.Snippet(h.Article, q, 240)})
	}
	return c.JSON(http.StatusOK, out)
}

type askInput struct {
	Text string `json:"text" validate:"required,max=4000"`
	Lang string `json:"lang" validate:"omitempty,oneof=zh en"`
}

// askBot is POST /api/v1/bot/ask: the bot's decision for one message, outside any
// conversation (the admins' "test the bot", the hotline).
func (s *Server) askBot(c echo.Context) error {
	var in askInput
	if err := bind(c, &in); err != nil {
		return err
	}
	// The bot reads the language from the text (gridline.DetectLang); in.Lang is
	// only its fallback. An ask is not a customer's question: nothing is
	// recorded as unanswered.
	reply, err := s.cfg.Bot.Respond(c.Request().Context(), bot.Input{Text: in.Text, Lang: in.Lang, Unrecorded: true}, nil)
	if err != nil {
		return err
	}
	if reply.Citations == nil {
		reply.Citations = []gridline.Citation{}
	}
	if reply.Suggestions == nil {
		reply.Suggestions = []bot.Suggestion{}
	}
	return c.JSON(http.StatusOK, reply)
}

func (s *Server) listUnanswered(c echo.Context) error {
	resolved := c.QueryParam("resolved") == "true"
	us, err := s.cfg.Store.ListUnanswered(c.Request().Context(), resolved, 200)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, nonNilSlice(us))
}

type resolveUnansweredInput struct {
	ArticleID int64 `json:"article_id" validate:"required,gt=0"`
}

// resolveUnanswered links a question to an article; the knowledge base adds
// the question to the article's phrasings, so it is answered from now on.
func (s *Server) resolveUnanswered(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in resolveUnansweredInput
	if err := bind(c, &in); err != nil {
		return err
	}
	if err := s.cfg.Knowledge.ResolveUnanswered(c.Request().Context(), id, in.ArticleID, currentUser(c).Email); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// nonNilSlice makes an empty result encode as [] rather than null.
func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
