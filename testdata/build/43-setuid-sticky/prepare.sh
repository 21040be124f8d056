echo suid > suid; chmod 4755 suid; echo sgid > sgid; chmod 2755 sgid
