from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatPlatformConfig(AppConfig):
    name = "chatplatform"
    verbose_name = _("Chat core")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from chatplatform.roles import ensure_role_groups

        def create_role_groups(sender: object, **kwargs: object) -> None:
            if kwargs.get("app_config") is self:
                ensure_role_groups()

        post_migrate.connect(create_role_groups, weak=False, dispatch_uid="chat-role-groups")

        from allauth.mfa.signals import authenticator_added
        from django.contrib.auth.signals import user_logged_out

        from chatplatform.mfa import record_totp_setup
        from chatplatform.services.sessions import on_user_logged_out

        user_logged_out.connect(on_user_logged_out, dispatch_uid="chat-close-sockets-on-logout")

        from django.core.signals import request_finished

        from chatplatform.db_connections import close_request_connections

        request_finished.connect(close_request_connections, dispatch_uid="chat-close-request-db")
        authenticator_added.connect(record_totp_setup, dispatch_uid="chat-totp-setup-is-mfa")
