// Regulation 7: a vendor hears a card's answers only for a patron enrolled in its service; an
// unknown card and a card not enrolled with this vendor are refused alike.
import { FORBIDDEN, grant, type Decision } from '../../domain/decision.js';

export const cardDecision = (vendorId: string, enrolled: boolean): Decision =>
  enrolled ? grant('VENDOR_SCOPE', vendorId) : FORBIDDEN;
