// ECharts comes as its UMD bundle (node_modules/echarts/dist/echarts.min.js), loaded before the modules.
declare const echarts: typeof import('echarts');
