DROP TABLE users;
DROP TABLE article_pins;
DROP TABLE article_tags;
DROP TABLE article_authors;
DROP TABLE articles;
DROP TABLE tags;
DROP TABLE authors;
DROP TABLE rubriques;
