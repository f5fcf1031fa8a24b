"""GitHub: the REST client, the pull-request flow, and the Actions runner side of a step."""
