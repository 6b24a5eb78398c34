package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gridline/gridline"
)

const articleColumns = `id, slug, lang, title, body, tags, questions, status, version, updated_at, updated_by`

func scanArticle(s scanner) (*gridline.Article, error) {
	var a gridline.Article
	err := s.Scan(&a.ID, &a.Slug, &a.Lang, &a.Title, &a.Body, jsonCol{&a.Tags}, jsonCol{&a.Questions}, &a.Status, &a.Version,
		timeCol{&a.UpdatedAt}, &a.UpdatedBy)
	if err != nil {
		return nil, err
	}
	if a.Tags == nil {
		a.Tags = []string{}
	}
	if a.Questions == nil {
		a.Questions = []string{}
	}
	return &a, nil
}

// checkArticle rejects what the schema would refuse anyway, with a message a
// user can act on: the slug is the import key and the status drives answering.
func checkArticle(a *gridline.Article) error {
	fields := map[string]string{}
	if strings.TrimSpace(a.Slug) == "" {
		fields["slug"] = "required"
	}
	if a.Status != gridline.ArticleDraft && a.Status != gridline.ArticlePublished {
		fields["status"] = "must be draft or published"
	}
	if len(fields) == 0 {
		return nil
	}
	e := gridline.Errorf(gridline.EINVALID, "article %q is invalid", a.Slug)
	e.Fields = fields
	return e
}

// articleDefaults fills in what an article may leave out: a draft status, tags,
// questions.
func articleDefaults(a *gridline.Article) {
	if a.Status == "" {
		a.Status = gridline.ArticleDraft
	}
	if a.Tags == nil {
		a.Tags = []string{}
	}
	if a.Questions == nil {
		a.Questions = []string{}
	}
}

// CreateArticle stores a with Version 1, giving it an ID and UpdatedAt (when
// zero); an empty Status means draft. Returns ECONFLICT if the slug is taken,
// EINVALID without a slug or with an unknown status.
func (db *DB) CreateArticle(ctx context.Context, a *gridline.Article) error {
	b := *a
	articleDefaults(&b)
	if err := checkArticle(&b); err != nil {
		return err
	}
	err := db.inTx(ctx, "create article", func(tx *sql.Tx) error {
		return db.insertArticle(ctx, tx, &b)
	})
	if err != nil {
		return err
	}
	*a = b
	return nil
}

// insertArticle writes a new article as version 1 and fills in a.ID.
func (db *DB) insertArticle(ctx context.Context, tx *sql.Tx, a *gridline.Article) error {
	tags, err := json.Marshal(a.Tags)
	if err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	questions, err := json.Marshal(nonNil(a.Questions))
	if err != nil {
		return fmt.Errorf("questions: %w", err)
	}
	a.Version = 1
	a.UpdatedAt = norm(a.UpdatedAt)
	err = tx.QueryRowContext(ctx, db.q(`INSERT INTO articles (slug, lang, title, body, tags, questions, status, version,
		created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id`),
		a.Slug, a.Lang, a.Title, a.Body, string(tags), string(questions), a.Status, db.t(a.UpdatedAt), db.t(a.UpdatedAt),
		a.UpdatedBy).Scan(&a.ID)
	if isUnique(err) {
		return gridline.Errorf(gridline.ECONFLICT, "article slug %q is taken", a.Slug)
	} else if isCheck(err) {
		return gridline.Errorf(gridline.EINVALID, "article %q is invalid", a.Slug)
	}
	return err
}

// Article returns ENOTFOUND if there is no such article.
func (db *DB) Article(ctx context.Context, id int64) (*gridline.Article, error) {
	a, err := scanArticle(db.read.QueryRowContext(ctx, db.q(`SELECT `+articleColumns+` FROM articles WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "article %d not found", id)
	}
	return a, wrap("article", err)
}

// ArticleBySlug returns ENOTFOUND if no article has the slug.
func (db *DB) ArticleBySlug(ctx context.Context, slug string) (*gridline.Article, error) {
	a, err := scanArticle(db.read.QueryRowContext(ctx, db.q(`SELECT `+articleColumns+` FROM articles WHERE slug = ?`), slug))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "article %q not found", slug)
	}
	return a, wrap("article by slug", err)
}

// UpdateArticle saves a (found by a.ID), keeps the previous version in the
// history, bumps a.Version and stamps a.UpdatedAt. When expectVersion > 0 and
// differs from the stored version it returns ECONFLICT and writes nothing.
// Returns ENOTFOUND, ECONFLICT (slug taken), EINVALID.
func (db *DB) UpdateArticle(ctx context.Context, a *gridline.Article, expectVersion int) error {
	b := *a
	articleDefaults(&b)
	if err := checkArticle(&b); err != nil {
		return err
	}
	err := db.inTx(ctx, "update article", func(tx *sql.Tx) error {
		cur, err := db.lockArticle(ctx, tx, `id = ?`, b.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return gridline.Errorf(gridline.ENOTFOUND, "article %d not found", b.ID)
		} else if err != nil {
			return err
		}
		if expectVersion > 0 && cur.Version != expectVersion {
			return gridline.Errorf(gridline.ECONFLICT,
				"article %q was changed by someone else (now version %d, you edited version %d)",
				cur.Slug, cur.Version, expectVersion)
		}
		return db.replaceArticle(ctx, tx, cur, &b)
	})
	if err != nil {
		return err
	}
	*a = b
	return nil
}

// lockArticle reads the current row of an article for a change in tx.
func (db *DB) lockArticle(ctx context.Context, tx *sql.Tx, where string, arg any) (*gridline.Article, error) {
	return scanArticle(tx.QueryRowContext(ctx,
		db.q(`SELECT `+articleColumns+` FROM articles WHERE `+where+db.forUpdate()), arg))
}

// replaceArticle moves cur into the history and writes a over it as the next
// version, filling in a.ID, a.Version and a.UpdatedAt.
func (db *DB) replaceArticle(ctx context.Context, tx *sql.Tx, cur, a *gridline.Article) error {
	oldTags, err := json.Marshal(nonNil(cur.Tags))
	if err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	tags, err := json.Marshal(a.Tags)
	if err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	oldQuestions, err := json.Marshal(nonNil(cur.Questions))
	if err != nil {
		return fmt.Errorf("questions: %w", err)
	}
	questions, err := json.Marshal(nonNil(a.Questions))
	if err != nil {
		return fmt.Errorf("questions: %w", err)
	}
	_, err = tx.ExecContext(ctx, db.q(`INSERT INTO article_versions (article_id, version, slug, lang, title, body,
		tags, questions, status, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		cur.ID, cur.Version, cur.Slug, cur.Lang, cur.Title, cur.Body, string(oldTags), string(oldQuestions), cur.Status,
		db.t(cur.UpdatedAt), cur.UpdatedBy)
	if err != nil {
		return err
	}
	a.ID, a.Version, a.UpdatedAt = cur.ID, cur.Version+1, now()
	_, err = tx.ExecContext(ctx, db.q(`UPDATE articles SET slug = ?, lang = ?, title = ?, body = ?, tags = ?,
		questions = ?, status = ?, version = ?, updated_at = ?, updated_by = ? WHERE id = ?`),
		a.Slug, a.Lang, a.Title, a.Body, string(tags), string(questions), a.Status, a.Version, db.t(a.UpdatedAt), a.UpdatedBy, a.ID)
	if isUnique(err) {
		return gridline.Errorf(gridline.ECONFLICT, "article slug %q is taken", a.Slug)
	} else if isCheck(err) {
		return gridline.Errorf(gridline.EINVALID, "article %q is invalid", a.Slug)
	}
	return err
}

// DeleteArticle removes the article and its history. Returns ENOTFOUND.
func (db *DB) DeleteArticle(ctx context.Context, id int64) error {
	// article_versions go with it (ON DELETE CASCADE); unanswered links are cleared.
	res, err := db.write.ExecContext(ctx, db.q(`DELETE FROM articles WHERE id = ?`), id)
	if err != nil {
		return wrap("delete article", err)
	}
	return mustAffect(res, "article %d not found", id)
}

// ListArticles returns articles ordered by ID, narrowed by f.
func (db *DB) ListArticles(ctx context.Context, f gridline.ArticleFilter) ([]*gridline.Article, error) {
	query := `SELECT ` + articleColumns + ` FROM articles WHERE 1 = 1`
	var args []any
	if f.Lang != "" {
		query += ` AND lang = ?`
		args = append(args, f.Lang)
	}
	if f.Status != "" {
		query += ` AND status = ?`
		args = append(args, f.Status)
	}
	return db.queryArticles(ctx, "list articles", db.read, query+` ORDER BY id`, args...)
}

// queryer is a *sql.DB or *sql.Tx.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) queryArticles(ctx context.Context, op string, qr queryer, query string, args ...any) ([]*gridline.Article, error) {
	rows, err := qr.QueryContext(ctx, db.q(query), args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []*gridline.Article{}
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, a)
	}
	return out, wrap(op, rows.Err())
}

// ArticleVersions returns every earlier version and the current one, newest
// first. Returns ENOTFOUND for an unknown article.
func (db *DB) ArticleVersions(ctx context.Context, id int64) ([]*gridline.Article, error) {
	// One statement, so the current row and the history come from one snapshot.
	out, err := db.queryArticles(ctx, "article versions", db.read, `SELECT `+articleColumns+` FROM articles WHERE id = ?
		UNION ALL
		SELECT article_id, slug, lang, title, body, tags, questions, status, version, updated_at, updated_by
		FROM article_versions WHERE article_id = ?
		ORDER BY version DESC`, id, id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 || out[0].ID != id {
		return nil, gridline.Errorf(gridline.ENOTFOUND, "article %d not found", id)
	}
	return out, nil
}

// ImportArticles upserts by slug in one transaction: either every article is
// written or none is. A new slug is created at version 1; an existing one keeps
// its history and gets the next version. IDs in the input are ignored. On success
// it fills in every article's ID, Version and UpdatedAt; on failure the input is
// left as it was and the error names the row's index ("article 3: …").
func (db *DB) ImportArticles(ctx context.Context, as []*gridline.Article) error {
	out := make([]gridline.Article, len(as))
	for i, a := range as {
		out[i] = *a
		articleDefaults(&out[i])
	}
	err := db.inTx(ctx, "import articles", func(tx *sql.Tx) error {
		for i := range out {
			b := &out[i]
			b.ID, b.Version = 0, 0
			// Rows are checked as they are written, so that a bad row after good ones
			// takes the good ones back with it.
			if err := checkArticle(b); err != nil {
				return rowError(i, err)
			}
			cur, err := db.lockArticle(ctx, tx, `slug = ?`, b.Slug)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				err = db.insertArticle(ctx, tx, b)
			case err == nil:
				err = db.replaceArticle(ctx, tx, cur, b)
			}
			if err != nil {
				return rowError(i, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, a := range as {
		*a = out[i]
	}
	return nil
}

// rowError says which row of an import failed, keeping a user-facing error's
// code and fields.
func rowError(i int, err error) error {
	var ge *gridline.Error
	if errors.As(err, &ge) {
		return &gridline.Error{Code: ge.Code, Message: fmt.Sprintf("article %d: %s", i, ge.Message), Fields: ge.Fields}
	}
	return fmt.Errorf("article %d: %w", i, err)
}
