// The staff dashboard: what a care worker keeps open all shift.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { Dashboard } from './controller.js';
import { locale } from './i18n.js';
import { App } from './views/app.js';
import './safety-check-slot.js';
import './video-slot.js';

document.documentElement.lang = locale;
const dash = new Dashboard();
render(<App dash={dash} />, document.getElementById('app')!);
void dash.start();
