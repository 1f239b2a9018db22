export { planLabel } from '../../core/account/plan-label';
