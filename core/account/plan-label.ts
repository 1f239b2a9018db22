/**
 * The plan as people read it, shared by the CLI, the renderer's badge and the tray tooltip. Kept free of
 * imports so the CLI bundle stays light. `chatgpt_plan_type` values OpenAI is known to send get their
 * product names; anything else is shown exactly as the server sent it (docs/design.md "Provider profile").
 */
const KNOWN_PLANS: Record<string, string> = {
  free: 'Free',
  go: 'Go',
  plus: 'Plus',
  pro: 'Pro',
  prolite: 'Pro Lite',
  team: 'Team',
  business: 'Business',
  enterprise: 'Enterprise',
  edu: 'Edu',
};

export function planLabel(planType: string | null | undefined): string | null {
  if (planType === null || planType === undefined || planType.trim() === '') return null;
  return KNOWN_PLANS[planType.toLowerCase()] ?? planType;
}
