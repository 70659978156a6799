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

-- Demo players for STATUS_PLAYERS_QUERY (`make run` counts them; see
-- harness.DemoPlayersQuery): 3 of these 5 characters are online.
CREATE TABLE IF NOT EXISTS characters (
  id     INT         NOT NULL PRIMARY KEY,
  name   VARCHAR(32) NOT NULL,
  online TINYINT     NOT NULL DEFAULT 0
) DEFAULT CHARSET = utf8mb4;

INSERT INTO characters (id, name, online) VALUES
  (1, 'Арагорн', 1),
  (2, 'Leila',   1),
  (3, 'Borin',   0),
  (4, 'Мирана',  1),
  (5, 'Tharn',   0)
ON DUPLICATE KEY UPDATE name = VALUES(name), online = VALUES(online);
