cat etc/hosts etc/hostname etc/resolv.conf
