"""Sign-up, sign-in, sign-out, password reset and invitations."""
