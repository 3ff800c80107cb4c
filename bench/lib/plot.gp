# Grouped bars of median req/s per proxy for each scenario.
# gnuplot -e "datafile='plot.dat'; outfile='proxy.png'" plot.gp
# datafile rows: scenario gateway nginx haproxy
set terminal pngcairo size 900,520 font "sans,10"
set output outfile
set title "Reverse proxy throughput, 1 KiB responses, keep-alive (median req/s)"
set ylabel "requests per second"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set key top left
set format y "%.0f"
plot datafile using 2:xtic(1) title "gateway" linecolor rgb "#1f77b4", \
     ''       using 3 title "nginx"   linecolor rgb "#2ca02c", \
     ''       using 4 title "HAProxy" linecolor rgb "#d62728", \
     ''       using ($0-0.25):2:(sprintf("%.0f",$2)) with labels offset 0,0.6 font ",7" notitle, \
     ''       using ($0):3:(sprintf("%.0f",$3)) with labels offset 0,0.6 font ",7" notitle, \
     ''       using ($0+0.25):4:(sprintf("%.0f",$4)) with labels offset 0,0.6 font ",7" notitle
