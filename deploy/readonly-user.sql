-- A MySQL user that can read `constants` and nothing else. Replace the database name
-- (tzserver) and the password, then run it as an administrator:
--   mysql -u root -p < deploy/readonly-user.sql
CREATE USER IF NOT EXISTS 'statusedge'@'%' IDENTIFIED BY 'change-me';
GRANT SELECT ON tzserver.constants TO 'statusedge'@'%';
