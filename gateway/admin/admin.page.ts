/**
 * The console's one HTML page. Scripts are files (CSP forbids inline script); styles are inline.
 * ECharts' content-hashed URL rides on the root element (the client loads it while the sign-in form
 * shows), and every module is announced with modulepreload so none waits for its importer.
 */
export function adminPage(assets: { echarts: string; modules: string[] }): string {
  return `<!doctype html>
<html lang="en" data-echarts="${assets.echarts}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hemp marketplace admin</title>
<link rel="icon" href="data:,">
<link rel="preload" as="script" href="${assets.echarts}">
${assets.modules.map((m) => `<link rel="modulepreload" href="${m}">`).join('\n')}
<style>
  :root { --green: #1f3d2b; --focus: #f0b400; --muted: #5a6b60; --bad: #a4262c; --ok: #1e7a3c; --warn: #9a6700; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.4 system-ui, sans-serif; color: #15201a; background: #f6f8f6; }
  a, button, input, select, summary { font: inherit; }
  :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
  .skip { position: absolute; left: -999px; } .skip:focus { left: .5rem; top: .5rem; background: #fff; padding: .3rem; z-index: 9; }
  header { display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; background: var(--green); color: #fff; }
  header h1 { font-size: 1.1rem; margin: 0; }
  header nav { display: flex; gap: .25rem; flex-wrap: wrap; flex: 1; }
  header nav a { color: #fff; padding: .3rem .6rem; border-radius: 4px; text-decoration: none; }
  header nav a[aria-current="page"] { background: #fff; color: var(--green); font-weight: 600; }
  header button { background: transparent; color: #fff; border: 1px solid #fff; border-radius: 4px; padding: .2rem .6rem; cursor: pointer; }
  main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
  h2 { margin: .2rem 0 .8rem; } h3 { margin: 1.2rem 0 .4rem; font-size: 1.05rem; }
  .chart { width: 100%; height: 340px; background: #fff; border: 1px solid #d5ddd7; border-radius: 6px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(330px, 1fr)); gap: 1rem; }
  .controls { display: flex; gap: 1rem; align-items: end; flex-wrap: wrap; margin-bottom: .8rem; }
  .controls label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
  fieldset { border: 1px solid #c9d3cc; border-radius: 4px; padding: .2rem .6rem; } legend { font-size: .85rem; color: var(--muted); }
  button.primary { background: var(--green); color: #fff; border: 0; border-radius: 4px; padding: .45rem .9rem; cursor: pointer; }
  button.primary[disabled], button[disabled] { opacity: .55; cursor: default; }
  table { border-collapse: collapse; width: 100%; background: #fff; font-size: .9rem; }
  th, td { border-bottom: 1px solid #e1e7e3; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  th { background: #eef2ef; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  caption { text-align: left; font-weight: 600; padding: .3rem 0; }
  details { margin: .4rem 0 1rem; } summary { cursor: pointer; color: var(--green); }
  .status { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .8rem; font-weight: 600; color: #fff; background: var(--muted); }
  .status.HEALTHY, .status.SUCCEEDED, .status.COMPLETED, .status.valid { background: var(--ok); }
  .status.DEGRADED, .status.PARTIAL, .status.PENDING, .status.RUNNING { background: var(--warn); }
  .status.DOWN, .status.FAILED, .status.invalid { background: var(--bad); }
  .cards { display: flex; gap: .8rem; flex-wrap: wrap; margin-bottom: 1rem; }
  .card { background: #fff; border: 1px solid #d5ddd7; border-radius: 6px; padding: .6rem .8rem; min-width: 170px; }
  .card .big { font-size: 1.4rem; font-weight: 600; }
  .error { color: var(--bad); font-weight: 600; }
  .muted { color: var(--muted); font-size: .85rem; }
  .pager { display: flex; gap: .5rem; align-items: center; margin: .5rem 0; }
  #login { max-width: 360px; margin: 4rem auto; background: #fff; padding: 1.2rem 1.4rem; border: 1px solid #d5ddd7; border-radius: 8px; }
  #login label { display: block; margin: .6rem 0 .2rem; } #login input { width: 100%; padding: .4rem; }
  #login button { margin-top: 1rem; width: 100%; }
  code { font-size: .85rem; word-break: break-all; }
</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<div id="app">Loading the admin console…</div>
<script type="module" src="/admin/assets/main.js"></script>
</body>
</html>`;
}
