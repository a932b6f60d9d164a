DROP TABLE related_lists;
