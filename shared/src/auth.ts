import { z } from 'zod';

export const Role = z.enum(['admin', 'staff', 'technician']);
export type Role = z.infer<typeof Role>;

export const StaffMember = z.object({
  id: z.uuid(),
  email: z.email(),
  name: z.string(),
  role: Role,
});
export type StaffMember = z.infer<typeof StaffMember>;

export const LoginRequest = z.object({
  email: z.email().max(254),
  password: z.string().min(1).max(1024),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const LoginResponse = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().int().positive(),
  staff: StaffMember,
});
export type LoginResponse = z.infer<typeof LoginResponse>;
