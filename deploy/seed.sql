-- Demo `constants` for the local stack, the tests and docker-compose.
-- The real game's table has the same three columns; Value is text there too.
CREATE TABLE IF NOT EXISTS constants (
  Name        VARCHAR(64)  NOT NULL PRIMARY KEY,
  Value       VARCHAR(255) NULL,
  Description VARCHAR(255) NULL
) DEFAULT CHARSET = utf8mb4;

INSERT INTO constants (Name, Value, Description) VALUES
  ('ServerStatus',  '1',    'Сервер онлайн'),
  ('RateExp',       '2.5',  'Множитель опыта'),
  ('RatePvp',       '1.5',  'Множитель PvP'),
  ('RatePve',       '3',    'Множитель PvE'),
  ('RateColorMob',  '1.25', 'Множитель цветных мобов'),
  ('RateSkill',     '2',    'Множитель умений'),
  ('CLIENT_STATUS', '256',  'Статус клиента'),
  ('MOTD',          'Добро пожаловать!', 'Сообщение дня')
ON DUPLICATE KEY UPDATE Value = VALUES(Value), Description = VALUES(Description);
