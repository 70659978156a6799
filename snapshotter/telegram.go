package main

import (
	"errors"

	"statusedge/internal/notify"
)

// telegramChats gives each world its chat (its own telegram_chat_id, else
// STATUS_TELEGRAM_CHAT_ID) and refuses half a Telegram setup at start: a chat without
// the bot's token, or a token with no chat to post to, would stay silent while the
// operator believes players are told.
func telegramChats(setups []worldSetup, t notify.Telegram) error {
	chats := 0
	for i := range setups {
		if setups[i].telegramChat != "" && t.Token == "" {
			return errors.New("telegram_chat_id of world " + setups[i].layout.World + " is set without " + notify.TokenEnv + " (or " + notify.TokenFileEnv + ")")
		}
		if setups[i].telegramChat == "" {
			setups[i].telegramChat = t.Chat
		}
		if setups[i].telegramChat != "" {
			chats++
		}
	}
	switch {
	case t.Chat != "" && t.Token == "":
		return errors.New(notify.ChatEnv + " is set without " + notify.TokenEnv + " (or " + notify.TokenFileEnv + ")")
	case t.Token != "" && chats == 0:
		return errors.New(notify.TokenEnv + " is set without a chat to post to: set " + notify.ChatEnv + " (or each world's telegram_chat_id)")
	}
	return nil
}
