// The dashboard's trend charts: 13 months of each figure with its target as a dashed line. The
// data comes from the page's json_script element (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("kpi-charts");
  if (!source || typeof echarts === "undefined") return;
  const charts = JSON.parse(source.textContent);
  for (const chart of charts) {
    const element = document.querySelector(`.kpi-chart[data-chart="${chart.key}"]`);
    if (!element) continue;
    const series = [{ name: chart.label, type: "line", data: chart.values, connectNulls: false, symbolSize: 5 }];
    if (chart.targets.some((value) => value !== null)) {
      series.push({
        name: element.dataset.targetLabel, type: "line", data: chart.targets, step: "middle", symbol: "none",
        lineStyle: { type: "dashed", color: "#dc3545" }, itemStyle: { color: "#dc3545" },
      });
    }
    const instance = echarts.init(element);
    instance.setOption({
      animation: false,
      grid: { left: 40, right: 10, top: 20, bottom: 30 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: chart.months, axisLabel: { fontSize: 10 } },
      yAxis: { type: "value", scale: true, axisLabel: { fontSize: 10 } },
      series,
    });
    element.dataset.rendered = "true";
    window.addEventListener("resize", () => instance.resize());
  }
});
