"""Signals an app sends for a layer above it to act on (an app never imports the layers above it).

password_generated(sender, user)   a password the user did not choose was set (a new account's generated
                                   password): accounts.security flags the user to change it at first sign-in
"""

from django.dispatch import Signal

password_generated = Signal()
