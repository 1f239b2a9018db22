export { planLabel } from '../../electron/core/account/plan-label';
