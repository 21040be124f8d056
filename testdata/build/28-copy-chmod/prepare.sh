echo f > f.txt; chmod 0600 f.txt
echo s > suid; chmod 4755 suid
mkdir -p tree/sub; echo r > tree/sub/r; chmod 0600 tree/sub/r
printf '#!/bin/sh\n' > tree/run.sh; chmod 0700 tree/run.sh; chmod 0700 tree tree/sub
