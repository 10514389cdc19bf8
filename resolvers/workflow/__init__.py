"""The write path (DOMAIN §4): officials collect, review, publish and revoke credit records and
list and release blacklist entries, in their own province, through GraphQL mutations."""
