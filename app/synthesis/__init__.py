"""The facilitators' synthesis workspace, its exports, and the participants' published synthesis."""
