"""The Bot API methods the fake server speaks, each checked as Telegram checks it.

Each takes the server's state and the request's parameters and returns the result, or
raises ApiError with Telegram's status and description. tests/fakebotapi.py serves them.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.tg_html import Entity, EntityError, parse_html, utf16_len

if TYPE_CHECKING:
    from tests.fakebotapi import FakeBotAPI

BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Digest bot",
    "username": "fake_digest_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
MAX_TEXT = 4096
MAX_CAPTION = 1024
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


class ApiError(Exception):
    """An error answer: HTTP status and Telegram's description."""

    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters


@dataclass
class Sent:
    """A message the fake accepted (sendMessage, sendPhoto; edits update it in place)."""

    method: str
    chat_id: int | str
    message_id: int
    html: str  # text or caption exactly as sent
    text: str  # after entity parsing
    entities: list[Entity]
    parse_mode: str | None
    thread: int | None
    preview_disabled: bool | None  # None: the request did not say
    photo: bytes | None
    params: dict[str, Any]
    at: float  # time.monotonic() when accepted


def chat_id_of(params: dict[str, Any], name: str = "chat_id") -> int | str:
    value = params.get(name)
    if value in (None, ""):
        raise ApiError(400, "Bad Request: chat_id is empty")
    text = str(value)
    if text.lstrip("-").isdigit():
        return int(text)
    if text.startswith("@"):
        return text
    raise ApiError(400, "Bad Request: chat not found")


def int_param(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: invalid {name} specified") from None


def json_param(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
    return value


def chat_object(fake: FakeBotAPI, chat: int | str) -> dict:
    """Reach the chat as Telegram would, or ApiError; returns the Chat object."""
    if isinstance(chat, str):
        channel = fake.channels.get(chat.lower())
        if channel is None or chat in fake.missing:
            raise ApiError(400, "Bad Request: chat not found")
        if not channel.member or chat in fake.kicked:
            raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
        return {"id": channel.chat_id, "type": "channel", "title": chat[1:], "username": chat[1:]}
    if chat in fake.missing:
        raise ApiError(400, "Bad Request: chat not found")
    if chat in fake.migrated:
        raise ApiError(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": fake.migrated[chat]},
        )
    if chat > 0:
        if chat in fake.kicked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return {"id": chat, "type": "private", "first_name": f"User {chat}"}
    if chat in fake.kicked:
        raise ApiError(403, "Forbidden: bot was kicked from the group chat")
    kind = "supergroup" if str(chat).startswith("-100") else "group"
    return {"id": chat, "type": kind, "title": f"Group {chat}"}


def postable_chat(fake: FakeBotAPI, chat: int | str) -> dict:
    """chat_object, and a channel also needs the bot to be an administrator."""
    found = chat_object(fake, chat)
    channel = fake.channels.get(chat.lower()) if isinstance(chat, str) else None
    if channel and not channel.admin:
        raise ApiError(400, "Bad Request: need administrator rights in the channel chat")
    return found


def parsed(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    if not parse_mode:
        return text, []
    if parse_mode.lower() != "html":
        if parse_mode.lower() in ("markdown", "markdownv2"):
            raise ApiError(400, f"Bad Request: fake Bot API: parse_mode {parse_mode} not faked")
        raise ApiError(400, "Bad Request: unsupported parse_mode")
    try:
        return parse_html(text)
    except EntityError as exc:
        raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None


def preview_disabled(params: dict[str, Any]) -> bool | None:
    options = json_param(params, "link_preview_options")
    if isinstance(options, dict) and "is_disabled" in options:
        return bool(options["is_disabled"])
    legacy = params.get("disable_web_page_preview")
    if legacy is None:
        return None
    return legacy in (True, "true", "True", "1")


def record(fake, method, chat, params, html, text, entities, photo=None) -> Sent:
    message_id = 1 + sum(1 for m in fake.messages if m.chat_id == chat)
    sent = Sent(
        method=method,
        chat_id=chat,
        message_id=message_id,
        html=html,
        text=text,
        entities=entities,
        parse_mode=params.get("parse_mode"),
        thread=int_param(params, "message_thread_id"),
        preview_disabled=preview_disabled(params),
        photo=photo,
        params=params,
        at=time.monotonic(),
    )
    fake.messages.append(sent)
    return sent


def message_object(fake: FakeBotAPI, sent: Sent, chat: dict) -> dict:
    result: dict[str, Any] = {"message_id": sent.message_id, "date": int(time.time()), "chat": chat}
    result["from"] = BOT_USER
    if sent.thread is not None:
        result["message_thread_id"] = sent.thread
        result["is_topic_message"] = True
    if sent.photo is None:
        result["text"] = sent.text
    else:
        result["caption"] = sent.text
        unique = f"photo{chat['id']}_{sent.message_id}"
        result["photo"] = [{"file_id": unique, "file_unique_id": unique, "width": 1, "height": 1}]
    return result


def send_message(fake: FakeBotAPI, params: dict[str, Any]) -> dict:
    chat_id = chat_id_of(params)
    chat = postable_chat(fake, chat_id)
    html = params.get("text")
    if not isinstance(html, str) or not html.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    text, entities = parsed(html, params.get("parse_mode"))
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    sent = record(fake, "sendMessage", chat_id, params, html, text, entities)
    return message_object(fake, sent, chat)


def send_photo(fake: FakeBotAPI, params: dict[str, Any]) -> dict:
    chat_id = chat_id_of(params)
    chat = postable_chat(fake, chat_id)
    photo = params.get("photo")
    if isinstance(photo, str) and photo.startswith("attach://"):
        photo = params.get(photo.removeprefix("attach://"))
    if not isinstance(photo, bytes):
        raise ApiError(400, "Bad Request: there is no photo in the request")
    if not photo.startswith(IMAGE_MAGIC):
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
    html = params.get("caption") or ""
    text, entities = parsed(html, params.get("parse_mode"))
    if utf16_len(text) > MAX_CAPTION:
        raise ApiError(400, "Bad Request: message caption is too long")
    sent = record(fake, "sendPhoto", chat_id, params, html, text, entities, photo)
    return message_object(fake, sent, chat)


def edit_message_text(fake: FakeBotAPI, params: dict[str, Any]) -> dict:
    chat_id = chat_id_of(params)
    chat = postable_chat(fake, chat_id)
    message_id = int_param(params, "message_id")
    target = next(
        (
            m
            for m in fake.messages
            if m.chat_id == chat_id and m.message_id == message_id and m.photo is None
        ),
        None,
    )
    if target is None:
        raise ApiError(400, "Bad Request: message to edit not found")
    html = params.get("text") or ""
    text, entities = parsed(html, params.get("parse_mode"))
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    if text == target.text and entities == target.entities:
        raise ApiError(
            400,
            "Bad Request: message is not modified: specified new message content and reply "
            "markup are exactly the same as a current content and reply markup of the message",
        )
    target.html, target.text, target.entities = html, text, entities
    return message_object(fake, target, chat)


def get_chat(fake: FakeBotAPI, params: dict[str, Any]) -> dict:
    chat = chat_object(fake, chat_id_of(params))
    gifts = dict.fromkeys(
        (
            "unlimited_gifts",
            "limited_gifts",
            "unique_gifts",
            "premium_subscription",
            "gifts_from_channels",
        ),
        False,
    )
    return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}


RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_post_messages",
)


def get_chat_administrators(fake: FakeBotAPI, params: dict[str, Any]) -> list[dict]:
    """The group's creator (user 42, or the first of fake.set_admins), its other
    administrators, and the bot (in channels only while it is an admin there)."""
    chat_id = chat_id_of(params)
    chat = chat_object(fake, chat_id)
    if chat["type"] == "private":
        raise ApiError(400, "Bad Request: there are no administrators in the private chat")
    users = fake.group_admins.get(chat_id, [42]) if isinstance(chat_id, int) else [42]
    admins = []
    for n, user_id in enumerate(users):
        user = {"id": user_id, "is_bot": False, "first_name": f"Admin {user_id}"}
        if n == 0:
            admins.append({"status": "creator", "user": user, "is_anonymous": False})
        else:
            admins.append(administrator(user))
    channel = fake.channels.get(chat_id.lower()) if isinstance(chat_id, str) else None
    if channel is None or channel.admin:
        admins.append(administrator(BOT_USER))
    return admins


def administrator(user: dict) -> dict:
    return {"status": "administrator", "user": user, "can_be_edited": False,
            "is_anonymous": False, **dict.fromkeys(RIGHTS, True)}  # fmt: skip


def set_my_commands(fake: FakeBotAPI, params: dict[str, Any]) -> bool:
    commands = json_param(params, "commands")
    if not isinstance(commands, list):
        raise ApiError(400, "Bad Request: can't parse commands JSON object")
    for command in commands:
        name = str(command.get("command", ""))
        if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not (1 <= len(str(command.get("description", ""))) <= 256):
            raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
    fake.commands = commands
    return True


def get_updates(fake: FakeBotAPI, params: dict[str, Any]) -> list[dict]:
    offset = int_param(params, "offset") or 0
    limit = int_param(params, "limit") or 100
    timeout = min(int_param(params, "timeout") or 0, 2)  # long polls kept short in tests
    fake.updates = [u for u in fake.updates if u["update_id"] >= offset]
    if not fake.updates and timeout:
        fake.lock.wait(timeout)  # the lock is a Condition: push_update wakes it
    return fake.updates[:limit]


def answer_callback_query(fake: FakeBotAPI, params: dict[str, Any]) -> bool:
    if not params.get("callback_query_id"):
        raise ApiError(400, "Bad Request: query is too old and response timeout expired")
    fake.callback_answers.append(params)
    return True


METHODS = {
    "getMe": lambda fake, params: BOT_USER,
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "editMessageText": edit_message_text,
    "getChat": get_chat,
    "getChatAdministrators": get_chat_administrators,
    "setMyCommands": set_my_commands,
    "deleteWebhook": lambda fake, params: True,
    "getUpdates": get_updates,
    "answerCallbackQuery": answer_callback_query,
}
