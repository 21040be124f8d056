echo sp > 'hello world.txt'; echo u > 'ünïcødé ✓.txt'; mkdir 'sp ace dir'; echo in > 'sp ace dir/in side.txt'
