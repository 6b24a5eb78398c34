-- Articles' phrasings: the ways customers ask for an article, kept with every version.
ALTER TABLE articles ADD COLUMN questions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE article_versions ADD COLUMN questions TEXT NOT NULL DEFAULT '[]';
